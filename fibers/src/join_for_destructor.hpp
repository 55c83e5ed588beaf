// Internal: how timer objects wait for their driver fiber in a destructor.
#pragma once

#include "weft/spawn.hpp"

namespace weft::detail {

// Waits for `driver` to finish without throwing, for destructors: an exception of the
// driver goes to the unjoined-exception handler; a cancellation of the caller while it
// waits is re-armed for its next blocking call; outside a fiber, or when the runtime is
// unwinding the caller, the driver is detached instead.
void join_for_destructor(JoinHandle<void>& driver) noexcept;

}  // namespace weft::detail
