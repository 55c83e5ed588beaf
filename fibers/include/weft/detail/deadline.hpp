// Converting the std::chrono arguments of timed calls to deadlines on the runtime clock.
// Internal to weft's headers; not part of the API.
#pragma once

#include <chrono>
#include <optional>
#include <type_traits>

#include "weft/sched/kernel.hpp"
#include "weft/time.hpp"

namespace weft::detail {

// now() + timeout on the runtime's clock, rounded up; a timeout too large to represent
// (more than ~30 years) yields TimePoint::max(), which timed calls treat as "no deadline".
template <class Rep, class Period>
TimePoint deadline_after(std::chrono::duration<Rep, Period> timeout) {
  using Seconds = std::chrono::duration<double>;
  if (timeout <= timeout.zero()) return sched::now();
  if (std::chrono::duration_cast<Seconds>(timeout).count() > 1e9) return TimePoint::max();
  return sched::now() + std::chrono::ceil<Duration>(timeout);
}

// `d` as a Duration, saturating at Duration::max() / min() instead of overflowing.
template <class Rep, class Period>
Duration saturating_duration(std::chrono::duration<Rep, Period> d) {
  using Seconds = std::chrono::duration<double>;
  const Seconds seconds = std::chrono::duration_cast<Seconds>(d);
  if (seconds >= std::chrono::duration_cast<Seconds>(Duration::max())) return Duration::max();
  if (seconds <= std::chrono::duration_cast<Seconds>(Duration::min())) return Duration::min();
  return std::chrono::ceil<Duration>(d);
}

// A deadline of any clock as a TimePoint of the runtime's clock. steady_clock time points
// are taken as they are; other clocks are converted through the time remaining.
template <class Clock, class Dur>
TimePoint to_deadline(const std::chrono::time_point<Clock, Dur>& deadline) {
  if constexpr (std::is_same_v<Clock, SteadyClock>) {
    if (deadline == std::chrono::time_point<Clock, Dur>::max()) return TimePoint::max();
    const Duration since_epoch = saturating_duration(deadline.time_since_epoch());
    if (since_epoch == Duration::max()) return TimePoint::max();
    return TimePoint(since_epoch);
  } else {
    return deadline_after(deadline - Clock::now());
  }
}

// A deadline of TimePoint::max() means "no deadline".
inline std::optional<TimePoint> finite(TimePoint deadline) noexcept {
  if (deadline == TimePoint::max()) return std::nullopt;
  return deadline;
}

}  // namespace weft::detail
