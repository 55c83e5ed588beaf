// The Clock seam: the real steady clock in production, a virtual clock under the
// checker (time jumps to the next timer when every fiber is blocked).
#pragma once

#include "weft/sched/time.hpp"

namespace weft::sched {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
  // True when the clock only moves when the scheduler advances it (checker).
  virtual bool is_virtual() const noexcept { return false; }
  // Virtual clocks jump to `to` when every fiber is blocked; the real clock ignores it.
  virtual void advance_to(TimePoint) noexcept {}
};

// std::chrono::steady_clock.
class SteadyClockSource final : public Clock {
 public:
  TimePoint now() const noexcept override { return SteadyClock::now(); }
};

// A clock that starts at `start` and moves only when advanced.
class VirtualClock final : public Clock {
 public:
  explicit VirtualClock(TimePoint start = TimePoint{}) : now_(start) {}
  TimePoint now() const noexcept override { return now_; }
  bool is_virtual() const noexcept override { return true; }
  void advance_to(TimePoint to) noexcept override {
    if (to > now_) now_ = to;
  }

 private:
  TimePoint now_;
};

}  // namespace weft::sched
