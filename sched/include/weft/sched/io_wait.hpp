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

// Registers `fd` with the calling fiber's reactor (see Reactor::register_fd).
IoRegistration& register_io(int fd);
// Forgets it: call before closing the fd. Fibers parked on it wake with Cancelled.
void deregister_io(IoRegistration& registration) noexcept;

// Parks the calling fiber until the fd is ready for `interest` (Notified), the deadline
// passes (Timeout) or the fiber is cancelled (Cancelled). A Notified wake-up may be
// spurious: try the call again and wait again on EAGAIN.
WakeReason wait_io(IoRegistration& registration, Interest interest,
                   std::optional<TimePoint> deadline = std::nullopt);

}  // namespace weft::sched
