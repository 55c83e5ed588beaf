// weft::Ticker (pull: wait for the next tick) and weft::PeriodicTimer (push: a fiber
// calls a function at every tick), both on the runtime's clock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "weft/detail/deadline.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/time.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/spawn.hpp"

namespace weft {

// Ticks at start + k * period (k = 1, 2, ...), where start is the construction time. A
// caller that falls behind is not flooded: missed ticks are coalesced into the next
// wait_tick(), which reports how many passed (like Go's time.Ticker dropping ticks).
// Each tick is consumed by one wait_tick() call, so with several waiting fibers each
// tick goes to one of them. Usable from fibers on any thread; stop() from any thread.
// There is no timed wait_tick(): the period already bounds every wait.
class Ticker {
 public:
  // Throws UsageError if `period` is not positive.
  explicit Ticker(Duration period);
  template <class Rep, class Period>
  explicit Ticker(std::chrono::duration<Rep, Period> period)
      : Ticker(detail::saturating_duration(period)) {}
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  // Precondition: no fiber waits on it.
  ~Ticker();

  // Blocks until the next tick not yet consumed and returns the number of ticks since
  // the previous wait_tick() (1 unless the caller fell behind). Returns 0 once stopped,
  // also waking a fiber that was waiting. Throws Cancelled if the fiber is cancelled
  // while waiting; UsageError outside a fiber.
  std::uint64_t wait_tick();
  // Stops ticking for good: waiting and later wait_tick() calls return 0.
  void stop();
  bool stopped() const noexcept;
  Duration period() const noexcept { return period_; }

 private:
  // When tick n is due: start + n periods, or TimePoint::max() (never) past the clock's range.
  TimePoint tick_time(std::uint64_t n) const noexcept;

  mutable sched::detail::SpinLock lock_;
  const Duration period_;
  const TimePoint start_;
  std::uint64_t consumed_ = 0;  // ticks handed out so far
  bool stopped_ = false;
  sched::WaitQueue waiters_;
};

// Calls `callback` in its own fiber at every tick of a Ticker until stop(). Falling
// behind: a call that overruns one or more periods does not make the missed calls up.
// The callback runs once, at once, for all the ticks it missed, and later calls come
// back on the original grid (start + k * period). With a 10 ms period and a first call
// that takes 35 ms, the calls start at 10, 45, 50, 60 ms. If the callback throws, the
// timer stops and join() rethrows the exception.
class PeriodicTimer {
 public:
  // Starts the driver fiber (named by `options`) on the calling fiber's worker. Throws
  // UsageError if `period` is not positive or outside a runtime.
  PeriodicTimer(Duration period, std::function<void()> callback, SpawnOptions options = {});
  template <class Rep, class Period>
  PeriodicTimer(std::chrono::duration<Rep, Period> period, std::function<void()> callback,
                SpawnOptions options = {})
      : PeriodicTimer(detail::saturating_duration(period), std::move(callback),
                      std::move(options)) {}
  PeriodicTimer(const PeriodicTimer&) = delete;
  PeriodicTimer& operator=(const PeriodicTimer&) = delete;
  // stop(), then waits for a running callback to return (see join()); a callback
  // exception not yet joined goes to the unjoined-exception handler. Must not run inside
  // the callback itself.
  ~PeriodicTimer();

  // No further callback starts (one already running finishes). Any thread; idempotent.
  void stop();
  // Waits until the driver fiber ended (after stop() or a callback exception) and
  // rethrows the callback's exception. Throws Cancelled if the caller is cancelled while
  // waiting (it may join again); UsageError when already joined.
  void join();
  // How many times the callback has been started.
  std::uint64_t runs() const noexcept { return state_->runs.load(std::memory_order_relaxed); }

 private:
  struct State {
    explicit State(Duration period, std::function<void()> fn)
        : ticker(period), callback(std::move(fn)) {}
    Ticker ticker;
    std::function<void()> callback;
    std::atomic<std::uint64_t> runs{0};
  };
  // Shared with the driver fiber, which may outlive the PeriodicTimer (destroyed outside
  // a fiber).
  std::shared_ptr<State> state_;
  JoinHandle<void> driver_;
};

}  // namespace weft
