// The std::chrono forms of the sync primitives' timed waits, written once for all of them.
// Internal to weft's headers; not part of the API.
#pragma once

#include <chrono>

#include "weft/detail/deadline.hpp"

namespace weft::detail {

// A class with a timed operation `op` implements `op_until(TimePoint)` on the runtime's
// clock (weft::now()), derives from TimedWaitable<Self> and publishes the forms
// of `op` with `using detail::TimedWaitable<Self>::op_for;` (and `::op_until`):
//
//   op_for(std::chrono::duration)       waits at most the timeout: op_until(now + timeout),
//                                       rounded up; a timeout too large to represent (more
//                                       than ~30 years) means no deadline;
//   op_until(std::chrono::time_point)   waits until a deadline of any clock: a steady_clock
//                                       deadline as it is, another clock's through the time
//                                       remaining.
//
// Both return what op_until(TimePoint) returns. The forms stay protected until a class
// publishes them, so each class offers only the operations it has. A new timed wait adds
// its operation to the list below.
template <class Derived>
class TimedWaitable {
#define WEFT_TIMED_WAIT_FORMS(op)                                                                 \
  template <class Rep, class Period>                                                              \
  [[nodiscard]] decltype(auto) op##_for(std::chrono::duration<Rep, Period> timeout) {             \
    return self().op##_until(deadline_after(timeout));                                            \
  }                                                                                               \
  template <class Clock, class Dur>                                                               \
  [[nodiscard]] decltype(auto) op##_until(const std::chrono::time_point<Clock, Dur>& deadline) {  \
    return self().op##_until(to_deadline(deadline));                                              \
  }

 protected:
  WEFT_TIMED_WAIT_FORMS(wait)             // Event, Latch, WaitGroup
  WEFT_TIMED_WAIT_FORMS(try_acquire)      // Semaphore
  WEFT_TIMED_WAIT_FORMS(try_lock)         // Mutex, RecursiveMutex, SharedMutex
  WEFT_TIMED_WAIT_FORMS(try_lock_shared)  // SharedMutex

#undef WEFT_TIMED_WAIT_FORMS

 private:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace weft::detail
