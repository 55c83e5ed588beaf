// The std::chrono forms of a lock's timed try, shared by Mutex, RecursiveMutex and
// SharedMutex. Derived implements try_lock_until(TimePoint) on the runtime's clock and
// brings these in with `using`. Internal to weft's headers; not part of the API.
#pragma once

#include <chrono>

#include "weft/detail/deadline.hpp"

namespace weft::detail {

template <class Derived>
class TimedLockable {
 public:
  // Blocks until the lock is taken (true) or the timeout passed (false).
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_for(std::chrono::duration<Rep, Period> timeout) {
    return self().try_lock_until(deadline_after(timeout));
  }
  // As try_lock_for, with a deadline of any clock.
  template <class Clock, class Dur>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<Clock, Dur>& deadline) {
    return self().try_lock_until(to_deadline(deadline));
  }

 private:
  Derived& self() noexcept { return static_cast<Derived&>(*this); }
};

}  // namespace weft::detail
