// For tests that assert what one cooperative worker guarantees (the order in which
// fibers run, plain data shared between fibers): they pin their runtime to one worker,
// so the workers suite (WEFT_WORKERS=2, 4) runs the rest of their file.
// For tests that run on any number of workers: waiting (by yielding) until a condition
// holds or until another fiber has parked, where one worker needed only a few yields.
#pragma once

#include <atomic>
#include <chrono>

#include "weft/runtime.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/this_fiber.hpp"
#include "weft/time.hpp"

namespace weft_test {

inline weft::RuntimeOptions one_worker() {
  weft::RuntimeOptions options;
  options.workers = 1;
  return options;
}

// Yields until `pred` holds; false if it still does not after `timeout` (so a broken
// primitive fails the test instead of hanging it).
template <class Pred>
bool yield_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const weft::TimePoint deadline = weft::now() + timeout;
  while (!pred()) {
    if (weft::now() >= deadline) return pred();
    weft::this_fiber::yield();
  }
  return true;
}

// Lets one fiber wait until another has parked (blocked in a wait): on several workers a
// fiber spawned a few yields ago may still be on its way to the wait. The watched fiber
// calls publish() before its wait; its JoinHandle must stay unjoined while others watch.
class ParkWatch {
 public:
  void publish() noexcept { fiber_.store(weft::sched::current_fiber(), std::memory_order_release); }

  // Yields until the published fiber is parked; false if it ended first or `timeout`
  // passed.
  bool yield_until_parked(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    using weft::sched::FiberState;
    FiberState state = FiberState::Ready;
    (void)yield_until(
        [&] {
          if (const weft::sched::Fiber* fiber = fiber_.load(std::memory_order_acquire)) state = fiber->state();
          return state == FiberState::Parked || state == FiberState::Done;
        },
        timeout);
    return state == FiberState::Parked;
  }

 private:
  std::atomic<const weft::sched::Fiber*> fiber_{nullptr};
};

}  // namespace weft_test
