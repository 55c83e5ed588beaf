// weft::call_once and weft::OnceFlag (weft/sync/call_once.hpp).
#include "weft/sync/call_once.hpp"

#include <mutex>

#include "queue_wait.hpp"
#include "sync/describe_fiber.hpp"
#include "weft/errors.hpp"

namespace weft {

OnceFlag::~OnceFlag() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a once flag", this, {&waiters_});
}

bool OnceFlag::begin() {
  schedule_point(sched::Op::Lock, this);
  sched::Fiber* self = sched::current_fiber();
  std::unique_lock guard(lock_);
  for (;;) {
    const std::uint8_t state = state_.load(std::memory_order_relaxed);
    if (state == kDone) {
      guard.unlock();
      sched::hb_acquire(this);
      return false;
    }
    if (state == kIdle) {
      state_.store(kRunning, std::memory_order_relaxed);
      runner_ = self;
      return true;
    }
    if (self == nullptr)
      throw UsageError("weft::call_once: a thread outside any weft runtime would have to wait");
    if (runner_ == self)
      throw UsageError("weft::call_once: " + detail::describe(*self) +
                       " calls call_once on the flag whose function it is running");
    sched::WaitOutcome outcome = detail::wait_in(
        lock_, waiters_, sched::WaitRecord{sched::WaitKind::Other, this, "call_once"}, std::nullopt);
    if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
    // Notified: the call finished; done, or idle again after an exception.
  }
}

void OnceFlag::finish(bool succeeded) {
  schedule_point(sched::Op::Unlock, this);
  std::lock_guard guard(lock_);
  runner_ = nullptr;
  if (succeeded) sched::hb_release(this);
  state_.store(succeeded ? kDone : kIdle, std::memory_order_release);
  // After a failure every waiter re-checks and the first one to get the lock runs.
  waiters_.notify_all();
}

}  // namespace weft
