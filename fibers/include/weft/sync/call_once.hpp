// weft::call_once and weft::OnceFlag: run a function exactly once, fiber-aware.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

#include "weft/sched/fiber.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft {

// The state of one call_once site. Usable from fibers on any thread.
class OnceFlag {
 public:
  OnceFlag() = default;
  OnceFlag(const OnceFlag&) = delete;
  OnceFlag& operator=(const OnceFlag&) = delete;
  // Precondition: no call_once on it is in progress.
  ~OnceFlag();

  // Whether a call_once on this flag has completed (a snapshot).
  bool is_done() const noexcept { return state_.load(std::memory_order_acquire) == kDone; }

 private:
  template <class F, class... Args>
  friend void call_once(OnceFlag& flag, F&& fn, Args&&... args);

  static constexpr std::uint8_t kIdle = 0, kRunning = 1, kDone = 2;

  // True: the caller runs the function now. False: a call completed (possibly after
  // waiting for one in progress).
  bool begin();
  // Ends the caller's run: done, or back to idle so that the next caller retries.
  void finish(bool succeeded);

  std::atomic<std::uint8_t> state_{kIdle};
  sched::detail::SpinLock lock_;
  sched::Fiber* runner_ = nullptr;  // the fiber running the function (to refuse recursion)
  sched::WaitQueue waiters_;
};

// Calls fn(args...) unless a call on `flag` already completed. Concurrent callers block
// until the first one finishes; if it throws, the exception propagates to that caller
// and one of the others (or the next caller) runs its own function instead. Everything
// the completed call did happens before every call_once that returns without running.
// Throws Cancelled if the caller is cancelled while waiting for another fiber's call;
// UsageError if fn calls call_once on the same flag, or if a caller outside any fiber
// would have to wait.
template <class F, class... Args>
void call_once(OnceFlag& flag, F&& fn, Args&&... args) {
  if (flag.is_done()) {
    sched::hb_acquire(&flag);
    return;
  }
  if (!flag.begin()) return;
  try {
    std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
  } catch (...) {
    flag.finish(false);
    throw;
  }
  flag.finish(true);
}

}  // namespace weft
