// The state machine behind Mutex and RecursiveMutex: an owner fiber, a FIFO of waiting
// fibers and direct hand-off from the unlocking owner to the first waiter (no barging).
// Internal to weft; use weft::Mutex.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "weft/sched/fiber.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/time.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/sched/wait_record.hpp"

namespace weft::detail {

class OwnerLock {
 public:
  OwnerLock() = default;
  ~OwnerLock();
  OwnerLock(const OwnerLock&) = delete;
  OwnerLock& operator=(const OwnerLock&) = delete;

  // Makes `self` (the calling fiber, not the owner) the owner, waiting in FIFO order until
  // `deadline`. Returns false on timeout. When cancelled: throws Cancelled if
  // `cancellable`, else keeps waiting and re-arms the cancellation once it owns the lock.
  bool acquire(sched::Fiber& self, std::optional<TimePoint> deadline, bool cancellable,
               const sched::WaitRecord& record);
  // Makes `self` the owner if nobody owns it and nobody waits.
  bool try_acquire(sched::Fiber& self) noexcept;
  // Precondition: the calling fiber owns it. Hands ownership to the first waiter, if any.
  void release() noexcept;

  // For the destructor of the lock built on it (`object`), before its other members go:
  // fibers still waiting abort the program, unless a checker tears a failing run down
  // (then they, and a fiber handed the lock that has not run since, unwind first).
  void destroying(const char* what, const void* object) noexcept;

  // The owner. Exact when read by the owner itself; a snapshot for anyone else.
  sched::Fiber* owner() const noexcept { return owner_.load(std::memory_order_relaxed); }
  // For the WaitRecord of a fiber that waits for it: reports name the fiber that holds it.
  const std::atomic<sched::Fiber*>* owner_slot() const noexcept { return &owner_; }
  // "held by fiber 'x' (#n)" or "not locked", read consistently.
  std::string owner_description() const;

 private:
  void set_owner(sched::Fiber* fiber) noexcept;

  mutable sched::detail::SpinLock lock_;
  std::atomic<sched::Fiber*> owner_{nullptr};  // retained while it owns the lock
  sched::WaitQueue waiters_;
};

}  // namespace weft::detail
