// The parts of the Reactor seam every backend shares: the answers of a reactor that
// waits for no file descriptors, and the default reactor.
#include "weft/sched/reactor.hpp"

#include <string>

#include "eventfd_reactor.hpp"
#include "weft/sched/errors.hpp"

namespace weft::sched {

namespace {
[[noreturn]] void refuse_fds(const Reactor& reactor, const char* call) {
  throw UsageError(std::string("weft: ") + call + ": the runtime's reactor ('" + reactor.name() +
                   "') does not wait for file descriptors");
}
}  // namespace

IoRegistration* Reactor::register_fd(int) { refuse_fds(*this, "register_fd"); }

void Reactor::arm(IoRegistration&, Interest, WaitTicket) { refuse_fds(*this, "arm"); }

void Reactor::deregister(IoRegistration&) noexcept {}

std::unique_ptr<Reactor> make_default_reactor() { return std::make_unique<detail::EventfdReactor>(); }

}  // namespace weft::sched
