// weft::RecursiveMutex: a fiber-aware mutex its owner may lock again.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "weft/detail/deadline.hpp"
#include "weft/sync/detail/owner_lock.hpp"
#include "weft/detail/timed_waitable.hpp"
#include "weft/sync/lock_order.hpp"

namespace weft {

// A mutex the owning fiber may lock several times; it is released when unlock() was
// called as often as lock(). Otherwise like Mutex: FIFO hand-off to waiters, std
// Lockable and TimedLockable, usable from fibers on any thread, release/acquire ordering.
// Lock-order checking covers the first (outermost) lock() only.
class RecursiveMutex : public detail::TimedWaitable<RecursiveMutex> {
 public:
  RecursiveMutex() : RecursiveMutex(std::string()) {}
  // `name` appears in dumps, deadlock and lock-order reports and usage errors.
  explicit RecursiveMutex(std::string name) : identity_("recursive mutex", std::move(name)) {}
  RecursiveMutex(const RecursiveMutex&) = delete;
  RecursiveMutex& operator=(const RecursiveMutex&) = delete;
  // Precondition: no fiber waits for it. A lock still held is simply dropped.
  ~RecursiveMutex();

  // Blocks until the calling fiber owns the mutex (at once if it already does). Throws
  // Cancelled if cancelled while waiting; UsageError outside a fiber; LockOrderError when
  // lock-order checking is on and the outermost lock breaks the established order.
  void lock();
  // Takes the mutex if it is free or already the caller's; never blocks.
  [[nodiscard]] bool try_lock();
  // Blocks until the mutex is taken (true) or the timeout passed (false); Cancelled as lock().
  using detail::TimedWaitable<RecursiveMutex>::try_lock_for;
  // As try_lock_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool try_lock_until(TimePoint deadline);
  using detail::TimedWaitable<RecursiveMutex>::try_lock_until;
  // Undoes one lock(); the last one hands the mutex to the first waiter. Throws
  // UsageError, naming both fibers, when the caller is not the owner.
  void unlock();

  // How many times the calling fiber holds it (0 when it is not the owner).
  std::size_t depth() const noexcept;
  const std::string& name() const noexcept { return identity_.name(); }

 private:
  bool acquire(std::optional<TimePoint> deadline, bool check_order, const char* call);

  detail::OwnerLock core_;
  detail::LockIdentity identity_;
  std::size_t depth_ = 0;  // touched by the owner only
};

}  // namespace weft
