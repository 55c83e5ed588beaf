// The select reactor: the classic select-based I/O scheduler, level-triggered like the
// poll reactor. select() only handles fds below FD_SETSIZE, so registering a larger fd is
// refused with an error that names the limit and the other backends.
#include <sys/select.h>

#include <algorithm>
#include <string>

#include "fd_reactor.hpp"
#include "weft/sched/errors.hpp"

namespace weft::sched::detail {

namespace {

void require_below_limit(int fd, const char* what) {
  if (fd < FD_SETSIZE) return;
  throw UsageError(std::string("weft: the select reactor cannot wait for ") + what + " " +
                   std::to_string(fd) + ": select() handles only fds below FD_SETSIZE (" +
                   std::to_string(FD_SETSIZE) +
                   "); use the epoll or poll reactor (RuntimeOptions::reactor or WEFT_REACTOR=epoll)");
}

class SelectReactor final : public FdReactor {
 public:
  SelectReactor() {
    if (ensure_wake_fd() >= 0) require_below_limit(wake_fd(), "its own wake-up fd");
  }
  const char* name() const noexcept override { return "select"; }

 private:
  bool edge_triggered() const noexcept override { return false; }
  void watch(FdRegistration& r) override { require_below_limit(r.fd, "fd"); }
  void unwatch(FdRegistration&) noexcept override {}

  void wait_for_events(int timeout_ms, const std::vector<ArmedFd>& armed,
                       std::vector<Event>& out) noexcept override {
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    int highest = -1;
    if (wake_fd() >= 0) {
      FD_SET(wake_fd(), &readable);
      highest = wake_fd();
    }
    for (const ArmedFd& a : armed) {
      if (a.readable) FD_SET(a.fd, &readable);
      if (a.writable) FD_SET(a.fd, &writable);
      highest = std::max(highest, a.fd);
    }
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    if (::select(highest + 1, &readable, &writable, nullptr, timeout_ms < 0 ? nullptr : &tv) <= 0) return;
    if (wake_fd() >= 0 && FD_ISSET(wake_fd(), &readable)) out.push_back({kWakeKey, true, false});
    for (const ArmedFd& a : armed) {
      const bool in = FD_ISSET(a.fd, &readable), ready_out = FD_ISSET(a.fd, &writable);
      if (in || ready_out) out.push_back({a.key, in, ready_out});
    }
  }
};

}  // namespace

std::unique_ptr<Reactor> make_select_reactor() { return std::make_unique<SelectReactor>(); }

}  // namespace weft::sched::detail
