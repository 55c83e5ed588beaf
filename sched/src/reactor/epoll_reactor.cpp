// The epoll reactor (the default on Linux). Each fd is added once, edge-triggered, for
// both directions; readiness that arrives while no fiber waits is remembered in the
// registration, so a fiber that tried its read first and got EAGAIN parks without any
// epoll_ctl. The epoll instance is made on the first registration: a runtime that never
// waits for an fd sleeps on its wake-up eventfd alone.
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

#include "fd_reactor.hpp"

namespace weft::sched::detail {

namespace {

class EpollReactor final : public FdReactor {
 public:
  ~EpollReactor() override {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
  }
  const char* name() const noexcept override { return "epoll"; }

 private:
  bool edge_triggered() const noexcept override { return true; }

  void watch(FdRegistration& r) override {
    open_instance();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = registration_key(r);
    count_backend_call(counters_.control);
    if (::epoll_ctl(epoll_fd_.load(std::memory_order_relaxed), EPOLL_CTL_ADD, r.fd, &ev) != 0)
      throw std::system_error(errno, std::generic_category(),
                              "weft: epoll reactor: cannot watch fd " + std::to_string(r.fd));
  }

  void unwatch(FdRegistration& r) noexcept override {
    count_backend_call(counters_.control);
    ::epoll_ctl(epoll_fd_.load(std::memory_order_relaxed), EPOLL_CTL_DEL, r.fd, nullptr);  // fails harmlessly if already closed
  }

  void wait_for_events(int timeout_ms, const std::vector<ArmedFd>&,
                       std::vector<Event>& out) noexcept override {
    const int epoll_fd = epoll_fd_.load(std::memory_order_acquire);
    if (epoll_fd < 0) {  // no fd registered yet: only a wake-up can come (see open_instance)
      pollfd p{wake_fd(), POLLIN, 0};  // a negative fd is ignored: then poll just naps
      if (::poll(&p, 1, timeout_ms) > 0) out.push_back({kWakeKey, true, false});
      return;
    }
    std::array<epoll_event, 128> events;
    const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int i = 0; i < n; ++i) {
      const std::uint32_t e = events[i].events;
      const bool failed = (e & (EPOLLERR | EPOLLHUP)) != 0;  // wake both sides: the call reports it
      // Not EPOLLERR alone: a datagram socket's error is cleared by the next receive.
      // The end of the read side, or urgent data (EPOLLPRI): see FdRegistration::reads_must_try.
      const bool reads_must_try = (e & (EPOLLHUP | EPOLLRDHUP | EPOLLPRI)) != 0;
      out.push_back({events[i].data.u64, failed || (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) != 0,
                     failed || (e & EPOLLOUT) != 0, reads_must_try});
    }
  }

  void open_instance() {
    if (epoll_fd_.load(std::memory_order_relaxed) >= 0) return;
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "weft: epoll_create1");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeKey;
    if (ensure_wake_fd() >= 0 && ::epoll_ctl(fd, EPOLL_CTL_ADD, wake_fd(), &ev) != 0) {
      const int error = errno;
      ::close(fd);
      throw std::system_error(error, std::generic_category(), "weft: epoll reactor: wake-up fd");
    }
    epoll_fd_.store(fd, std::memory_order_release);
    wake();  // a worker sleeping before there was an instance waits on the wake fd alone
  }

  std::atomic<int> epoll_fd_{-1};
};

}  // namespace

std::unique_ptr<Reactor> make_epoll_reactor() { return std::make_unique<EpollReactor>(); }

}  // namespace weft::sched::detail
