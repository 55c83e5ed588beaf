// Fiber waits for fd readiness (see io_wait.hpp).
#include "weft/sched/io_wait.hpp"

#include <cstdio>
#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft::sched {

Reactor& io_reactor(const char* caller) {
  Scheduler* scheduler = Scheduler::current();
  if (scheduler == nullptr || current_fiber() == nullptr)
    throw UsageError(std::string("weft: ") + caller + " must be called from a fiber");
  Reactor& reactor = scheduler->reactor();
  if (!reactor.supports_fds())
    throw UsageError(std::string("weft: ") + caller + ": the runtime's reactor ('" + reactor.name() +
                     "') does not wait for file descriptors");
  return reactor;
}

IoRegistration& register_io(int fd, const char* caller) {
  IoRegistration& registration = *io_reactor(caller).register_fd(fd);
  std::snprintf(registration.wait_names[0], sizeof registration.wait_names[0], "fd %d readable", fd);
  std::snprintf(registration.wait_names[1], sizeof registration.wait_names[1], "fd %d writable", fd);
  return registration;
}

void deregister_io(IoRegistration& registration) noexcept {
  if (Scheduler* scheduler = Scheduler::current()) scheduler->reactor().deregister(registration);
}

IoWaitResult wait_io(IoRegistration& registration, Interest interest, std::optional<TimePoint> deadline) {
  Reactor& reactor = io_reactor("wait_io");
  const bool readable = interest == Interest::Readable;
  const char* name = registration.wait_names[readable ? 0 : 1];
  const WaitTicket ticket = begin_wait(WaitKind::Io, &registration, *name ? name : "fd");
  // Taken back on every exit that readiness did not take (a timeout, a cancel, unwinding).
  struct Disarm {
    Reactor& reactor;
    IoRegistration& registration;
    Interest interest;
    WaitTicket ticket;
    bool armed = false;
    ~Disarm() {
      if (armed) reactor.disarm(registration, interest, ticket);
    }
  } disarm{reactor, registration, interest, ticket};
  try {
    reactor.arm(registration, interest, ticket, 0);
  } catch (...) {
    try_wake(ticket, WakeReason::Cancelled);  // close the wait this call opened
    await(ticket);
    throw;
  }
  disarm.armed = true;
  const WaitOutcome outcome = await(ticket, deadline);
  switch (outcome.reason) {
    case WakeReason::Notified: return IoWaitResult::Ready;
    case WakeReason::Timeout: return IoWaitResult::Timeout;
    case WakeReason::Cancelled: break;
  }
  return outcome.detail == kWakeDeregistered ? IoWaitResult::Closed : IoWaitResult::Cancelled;
}

}  // namespace weft::sched
