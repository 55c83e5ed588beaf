// Time in weft: the clock types of deadlines and timeouts, and the clocks a runtime can
// run on (the steady clock, or a virtual clock that moves only when every fiber is
// blocked, as under the checker). The kernel's own types, named in the user's namespace.
#pragma once

#include "weft/sched/clock.hpp"
#include "weft/sched/time.hpp"

namespace weft {

using sched::Duration;
using sched::SteadyClock;
using sched::TimePoint;

using sched::Clock;
using sched::SteadyClockSource;
using sched::VirtualClock;

}  // namespace weft
