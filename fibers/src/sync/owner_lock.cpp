// The lock state machine behind Mutex and RecursiveMutex (weft/sync/detail/owner_lock.hpp).
#include "weft/sync/detail/owner_lock.hpp"

#include <mutex>

#include "queue_wait.hpp"
#include "sync/describe_fiber.hpp"
#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::detail {

OwnerLock::~OwnerLock() {
  if (sched::Fiber* owner = owner_.load(std::memory_order_relaxed)) owner->release();
}

void OwnerLock::destroying(const char* what, const void* object) noexcept {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited(what, object, {&waiters_});
  if (sched::Fiber* owner = owner_.load(std::memory_order_relaxed))
    sched::detail::destroyed_while_held(what, object, owner);
}

void OwnerLock::set_owner(sched::Fiber* fiber) noexcept {
  // The owner is retained so that reports can name it even after it ended.
  if (fiber) fiber->retain();
  owner_.store(fiber, std::memory_order_relaxed);
}

bool OwnerLock::acquire(sched::Fiber& self, std::optional<TimePoint> deadline,
                        bool cancellable, const sched::WaitRecord& record) {
  bool cancel_deferred = false;
  bool owned = false;
  std::unique_lock guard(lock_);
  for (;;) {
    // Unlocking hands the lock to a waiter, so it is free only when nobody waits for it.
    if (owner_.load(std::memory_order_relaxed) == nullptr) {
      set_owner(&self);
      owned = true;
      break;
    }
    if (deadline && *deadline <= sched::now()) break;
    sched::WaitOutcome outcome = wait_in(lock_, waiters_, record, deadline);
    if (outcome.reason == sched::WakeReason::Notified) {  // the unlocker handed it over
      owned = true;
      break;
    }
    if (outcome.reason == sched::WakeReason::Timeout) break;
    if (cancellable) throw Cancelled();
    cancel_deferred = true;  // wait on; deliver the cancellation to the next blocking call
  }
  guard.unlock();
  if (cancel_deferred) self.request_cancel();
  return owned;
}

bool OwnerLock::try_acquire(sched::Fiber& self) noexcept {
  // Test before taking the lock: fibers polling a held mutex must not crowd out its owner.
  if (owner_.load(std::memory_order_relaxed) != nullptr) return false;
  lock_.lock();
  const bool free = owner_.load(std::memory_order_relaxed) == nullptr;
  if (free) set_owner(&self);
  lock_.unlock();
  return free;
}

void OwnerLock::release() noexcept {
  lock_.lock();
  sched::Fiber* previous = owner_.load(std::memory_order_relaxed);
  sched::Waiter* next = claim_first(waiters_);
  set_owner(next ? next->ticket.fiber : nullptr);
  if (next) sched::wake(next->ticket);  // under the lock: the node is on its stack
  lock_.unlock();
  previous->release();  // the caller: still alive, the runtime holds it
}

std::string OwnerLock::owner_description() const {
  std::lock_guard guard(lock_);
  sched::Fiber* owner = owner_.load(std::memory_order_relaxed);
  return owner ? "held by " + describe(*owner) : "not locked";
}

}  // namespace weft::detail
