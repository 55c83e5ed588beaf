// Time types used by timers, deadlines and the Clock seam.
#pragma once

#include <chrono>

namespace weft::sched {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;
using Duration = SteadyClock::duration;

}  // namespace weft::sched
