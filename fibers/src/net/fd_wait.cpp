// wait_readable / wait_writable for fds the caller owns: a registration for one wait.
#include "weft/net/fd_wait.hpp"

#include "weft/errors.hpp"
#include "weft/sched/io_wait.hpp"

namespace weft {

namespace {

bool wait_once(int fd, sched::Interest interest, std::optional<TimePoint> deadline) {
  const char* caller = interest == sched::Interest::Readable ? "weft::wait_readable" : "weft::wait_writable";
  sched::Reactor& reactor = sched::io_reactor(caller);
  sched::IoRegistration* registration = &sched::register_io(fd, caller);
  struct Forget {
    sched::Reactor& reactor;
    sched::IoRegistration* registration;
    ~Forget() { reactor.deregister(*registration); }
  } forget{reactor, registration};
  switch (sched::wait_io(*registration, interest, deadline)) {
    case sched::IoWaitResult::Ready: return true;
    case sched::IoWaitResult::Timeout: return false;
    case sched::IoWaitResult::Cancelled:
    case sched::IoWaitResult::Closed: break;  // only this call deregisters: a cancel
  }
  throw Cancelled();
}

}  // namespace

bool wait_readable(int fd, std::optional<TimePoint> deadline) {
  return wait_once(fd, sched::Interest::Readable, deadline);
}

bool wait_writable(int fd, std::optional<TimePoint> deadline) {
  return wait_once(fd, sched::Interest::Writable, deadline);
}

}  // namespace weft
