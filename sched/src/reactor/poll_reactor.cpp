// The poll reactor: level-triggered, the fd set rebuilt from the armed interests on
// every wait. No registration state in the kernel, no fd limit; costs O(armed fds) per
// wait, which is fine for tens of fds and what the epoll reactor is for beyond that.
#include <poll.h>

#include "fd_reactor.hpp"

namespace weft::sched::detail {

namespace {

class PollReactor final : public FdReactor {
 public:
  const char* name() const noexcept override { return "poll"; }

 private:
  bool edge_triggered() const noexcept override { return false; }
  void watch(FdRegistration&) override {}
  void unwatch(FdRegistration&) noexcept override {}

  void wait_for_events(int timeout_ms, const std::vector<ArmedFd>& armed,
                       std::vector<Event>& out) noexcept override {
    thread_local std::vector<pollfd> fds;
    thread_local std::vector<std::uint64_t> keys;
    fds.clear();
    keys.clear();
    fds.push_back({wake_fd(), POLLIN, 0});  // a negative fd (none yet) is ignored
    keys.push_back(kWakeKey);
    for (const ArmedFd& a : armed) {
      const short events = static_cast<short>((a.readable ? POLLIN : 0) | (a.writable ? POLLOUT : 0));
      fds.push_back({a.fd, events, 0});
      keys.push_back(a.key);
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      const short e = fds[i].revents;
      if (e == 0) continue;
      const bool failed = (e & (POLLERR | POLLHUP | POLLNVAL)) != 0;
      out.push_back({keys[i], failed || (e & POLLIN) != 0, failed || (e & POLLOUT) != 0});
    }
  }
};

}  // namespace

std::unique_ptr<Reactor> make_poll_reactor() { return std::make_unique<PollReactor>(); }

}  // namespace weft::sched::detail
