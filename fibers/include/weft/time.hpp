// Time in weft: the types of deadlines and timeouts, now(), and the clocks a runtime
// can run on (the steady clock, or a virtual clock that moves only when every fiber is
// blocked, as under the checker). The kernel's own names, in the user's namespace.
#pragma once

#include "weft/sched/clock.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/time.hpp"

namespace weft {

using sched::Duration;
using sched::SteadyClock;
using sched::TimePoint;

using sched::Clock;
using sched::SteadyClockSource;
using sched::VirtualClock;

// The calling fiber's runtime clock: the steady clock, or the runtime's Clock (virtual
// under the checker). Deadlines of timed calls are on this clock.
using sched::now;

}  // namespace weft
