// weft::Mutex: a fiber-aware mutual-exclusion lock. Blocking parks the fiber, never the
// kernel thread, so other fibers of the worker keep running.
#pragma once

#include <chrono>
#include <string>

#include "weft/detail/deadline.hpp"
#include "weft/sync/detail/owner_lock.hpp"
#include "weft/detail/timed_waitable.hpp"
#include "weft/sync/lock_order.hpp"

namespace weft {

namespace detail {
struct MutexAccess;
}

// A non-recursive mutex with an owner. Waiters are served in FIFO order by direct
// hand-off: unlock() makes the longest waiting fiber the owner before waking it, so a
// fiber that keeps relocking cannot starve others. Satisfies the std Lockable and
// TimedLockable requirements (std::lock_guard, std::unique_lock, std::scoped_lock).
// Use from fibers on any thread; the owner must unlock it. Lock-order checking (see
// lock_order.hpp) covers lock(). Unlocking makes every write of the owner visible to the
// next owner (release/acquire).
class Mutex : public detail::TimedWaitable<Mutex> {
 public:
  Mutex() : Mutex(std::string()) {}
  // `name` appears in dumps, deadlock and lock-order reports and usage errors.
  explicit Mutex(std::string name) : identity_("mutex", std::move(name)) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  // Precondition: no fiber waits for it. A lock still held is simply dropped.
  ~Mutex();

  // Blocks until the calling fiber owns the mutex. Throws Cancelled if the fiber is
  // cancelled while waiting (it then does not own it); UsageError when the caller already
  // owns it or is not a fiber; LockOrderError when lock-order checking is on and the
  // call breaks the established order.
  void lock();
  // Takes the mutex if it is free right now; never blocks. Throws UsageError when the
  // caller already owns it or is not a fiber.
  [[nodiscard]] bool try_lock();
  // Blocks until the mutex is taken (true) or the timeout passed (false). Throws
  // Cancelled and UsageError like lock().
  using detail::TimedWaitable<Mutex>::try_lock_for;
  // As try_lock_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool try_lock_until(TimePoint deadline);
  using detail::TimedWaitable<Mutex>::try_lock_until;
  // Releases the mutex and hands it to the first waiter, if any. Throws UsageError, with
  // both fibers named, when the caller is not the owner.
  void unlock();

  // Whether some fiber owns it (a snapshot) / whether the calling fiber owns it (exact).
  bool is_locked() const noexcept { return core_.owner() != nullptr; }
  bool held_by_current() const noexcept;
  const std::string& name() const noexcept { return identity_.name(); }

 private:
  friend struct detail::MutexAccess;
  bool acquire(std::optional<TimePoint> deadline, bool cancellable, bool check_order,
               const char* call);

  detail::OwnerLock core_;
  detail::LockIdentity identity_;
};

namespace detail {
// For ConditionVariable: re-takes a mutex after a wait without being interrupted by a
// cancellation (it is re-armed for the next blocking call) and without order checks.
struct MutexAccess {
  static void relock_after_wait(Mutex& m) {
    m.acquire(std::nullopt, false, false, "weft::ConditionVariable::wait");
  }
};
}  // namespace detail

}  // namespace weft
