// The parts of the Reactor seam every backend shares: the answers of a reactor that
// waits for no file descriptors, and the choice of a backend by name.
#include "weft/sched/reactor.hpp"

#include <cstdlib>
#include <string>

#include "fd_reactor.hpp"
#include "weft/sched/errors.hpp"

namespace weft::sched {

namespace {
[[noreturn]] void refuse_fds(const Reactor& reactor, const char* call) {
  throw UsageError(std::string("weft: ") + call + ": the runtime's reactor ('" + reactor.name() +
                   "') does not wait for file descriptors");
}
}  // namespace

IoRegistration* Reactor::register_fd(int) { refuse_fds(*this, "register_fd"); }

void Reactor::arm(IoRegistration&, Interest, WaitTicket, std::uintptr_t) { refuse_fds(*this, "arm"); }

bool Reactor::disarm(IoRegistration&, Interest, WaitTicket) noexcept { return false; }

void Reactor::deregister(IoRegistration&) noexcept {}

void throw_second_waiter(int fd, Interest interest) {
  throw UsageError("weft: two fibers wait for fd " + std::to_string(fd) + " to become " +
                   (interest == Interest::Readable ? "readable" : "writable") + " at once");
}

std::unique_ptr<Reactor> make_reactor(std::string_view name) {
  if (name == "epoll") return detail::make_epoll_reactor();
  if (name == "poll") return detail::make_poll_reactor();
  if (name == "select") return detail::make_select_reactor();
  throw UsageError("weft: unknown reactor '" + std::string(name) + "' (choose epoll, poll or select)");
}

std::unique_ptr<Reactor> make_default_reactor() {
  const char* chosen = std::getenv("WEFT_REACTOR");
  if (chosen == nullptr || *chosen == '\0') return detail::make_epoll_reactor();
  try {
    return make_reactor(chosen);
  } catch (const UsageError& e) {
    throw UsageError(std::string(e.what()) + " in WEFT_REACTOR");
  }
}

}  // namespace weft::sched
