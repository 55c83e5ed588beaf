// weft::Timer: run a function once, in a new fiber, after a delay unless cancelled
// (Python's threading.Timer).
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "weft/detail/deadline.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/time.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/spawn.hpp"

namespace weft {

// A one-shot timer. Construction arms it: a fiber is started that, `delay` later on the
// runtime's clock, runs `callback` unless cancel() came first. cancel() and the expiry
// are decided under one lock, so exactly one of them wins.
class Timer {
 public:
  // Arms the timer on the calling fiber's worker (the driver fiber is named by
  // `options`). Throws UsageError outside a runtime.
  Timer(Duration delay, std::function<void()> callback, SpawnOptions options = {});
  template <class Rep, class Period>
  Timer(std::chrono::duration<Rep, Period> delay, std::function<void()> callback,
        SpawnOptions options = {})
      : Timer(detail::saturating_duration(delay), std::move(callback), std::move(options)) {}
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  // cancel(), then waits for a callback that already started to return; a callback
  // exception not yet joined goes to the unjoined-exception handler. Must not run
  // inside the callback itself.
  ~Timer();

  // Prevents the callback from running if it has not started; returns true if this call
  // prevented it, false if it already started (or was cancelled before). Any thread.
  bool cancel();
  // Whether the callback has started (a snapshot).
  bool fired() const noexcept;
  // Waits until the timer is settled: the callback returned (its exception is rethrown
  // here) or the timer was cancelled. Throws Cancelled if the caller is cancelled while
  // waiting (it may join again); UsageError when already joined.
  void join();

 private:
  enum class Status { Armed, Cancelled, Fired };
  struct State {
    sched::detail::SpinLock lock;
    Status status = Status::Armed;
    TimePoint deadline;
    std::function<void()> callback;
    sched::WaitQueue waiters;  // the driver while it waits for the deadline
  };
  static void drive(State& state);

  // Shared with the driver fiber, which may outlive the Timer (destroyed outside a fiber).
  std::shared_ptr<State> state_;
  JoinHandle<void> driver_;
};

}  // namespace weft
