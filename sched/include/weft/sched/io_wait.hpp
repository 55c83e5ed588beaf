// Parking a fiber until a file descriptor is ready: the kernel's half of fiber-aware I/O.
// The fd is registered once with the runtime's reactor (register_io) and every wait on it
// is an ordinary claimed wait of kind WaitKind::Io, so readiness, the deadline and a
// cancellation race through one claim. The user's API (weft/net/) is built on these.
#pragma once

#include <optional>

#include "weft/sched/reactor.hpp"
#include "weft/sched/time.hpp"
#include "weft/sched/wait_record.hpp"

namespace weft::sched {

// The reactor of the runtime running the calling fiber. Throws UsageError outside a
// fiber, or when that reactor waits for no fds.
Reactor& io_reactor(const char* caller);

// Registers `fd` with the calling fiber's reactor (see Reactor::register_fd); `caller`
// names the call in error messages.
IoRegistration& register_io(int fd, const char* caller = "register_io");
// Forgets it: call before closing the fd. Fibers parked on it wake with Cancelled.
void deregister_io(IoRegistration& registration) noexcept;

// How an fd wait ended.
enum class IoWaitResult : std::uint8_t {
  Ready,      // the fd is probably ready: try the call again, wait again on EAGAIN
  Timeout,    // the deadline passed first
  Cancelled,  // the fiber was cancelled
  Closed,     // the fd was deregistered (closed) while the fiber waited
};

// Parks the calling fiber until one of the above.
IoWaitResult wait_io(IoRegistration& registration, Interest interest,
                     std::optional<TimePoint> deadline = std::nullopt);

}  // namespace weft::sched
