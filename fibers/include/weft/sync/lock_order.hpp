// Lock-order checking (lockdep style), opt-in: while it is on, every blocking
// Mutex::lock / RecursiveMutex::lock records "A is taken before B" for each lock A the
// calling fiber already holds, in one process-wide graph. A fiber that takes locks
// against an order established earlier (directly, or through a chain A -> C -> B) is a
// potential deadlock even if this run did not hang: the lock call throws LockOrderError
// naming both fibers and both locks, before it blocks.
//
// What counts: only blocking lock() calls add and check edges; try_lock and the timed
// tries cannot wait forever, so they are not checked, but a lock they take counts as
// held for later lock() calls. SharedMutex does not take part. Checking costs a
// fiber-local lookup and a short global critical section per lock() while it is on.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "weft/errors.hpp"

namespace weft {

class LockOrderChecker;

// Thrown by a lock() call that would take two locks against the established order.
class LockOrderError : public Error {
 public:
  LockOrderError(const std::string& message, std::string fiber, std::string other_fiber,
                 std::string acquiring, std::string held)
      : Error(message), fiber_(std::move(fiber)), other_fiber_(std::move(other_fiber)),
        acquiring_(std::move(acquiring)), held_(std::move(held)) {}

  // The fiber whose lock() broke the order, and the one that established it.
  const std::string& fiber() const noexcept { return fiber_; }
  const std::string& other_fiber() const noexcept { return other_fiber_; }
  // The lock being taken, and the lock held meanwhile that the order puts after it.
  const std::string& acquiring() const noexcept { return acquiring_; }
  const std::string& held() const noexcept { return held_; }

 private:
  std::string fiber_, other_fiber_, acquiring_, held_;
};

// Turns lock-order checking on or off for the whole process; safe from any thread.
// Off by default, unless the environment variable WEFT_LOCK_ORDER is 1 at the first use.
void set_lock_order_checking(bool on) noexcept;
// Whether lock-order checking is on.
bool lock_order_checking() noexcept;

namespace detail {
// What the checker knows of one lock: a process-unique serial (addresses are reused)
// and a name for reports. Owned by the lock; forgets the lock's edges when destroyed.
class LockIdentity {
 public:
  LockIdentity(const char* kind, std::string name);
  ~LockIdentity();
  LockIdentity(const LockIdentity&) = delete;
  LockIdentity& operator=(const LockIdentity&) = delete;

  std::uint64_t serial() const noexcept { return serial_; }
  const std::string& name() const noexcept { return name_; }
  // "mutex 'name'" or "mutex #serial", for reports.
  std::string label() const;

  // The locks one fiber holds, oldest first (a fiber-local of the checker). A lock
  // destroyed while held leaves the set, and a set that ends (its fiber ended holding
  // locks) lets go of its locks, so neither side points at freed memory.
  struct HeldSet {
    HeldSet() = default;
    HeldSet(const HeldSet&) = delete;
    HeldSet& operator=(const HeldSet&) = delete;
    ~HeldSet();
    std::vector<LockIdentity*> locks;
  };

 private:
  friend class weft::LockOrderChecker;
  const char* kind_;
  std::string name_;
  std::uint64_t serial_;
  HeldSet* held_in_ = nullptr;  // the owner's held set, while this acquisition is in it
};
}  // namespace detail

// The process-wide lock-order graph. Mutexes call the three hooks; a lock type of your
// own can take part the same way. All members are safe from any thread.
class LockOrderChecker {
 public:
  static LockOrderChecker& global();

  // Before a blocking acquisition of `lock` by the calling fiber: throws LockOrderError
  // if the established order puts `lock` before one the fiber holds, else records the
  // new edges. Does nothing while checking is off or outside a fiber.
  void before_lock(detail::LockIdentity& lock);
  // After the calling fiber acquired `lock` (by any call): adds it to the fiber's held set.
  void acquired(detail::LockIdentity& lock);
  // Before the owner releases `lock`: removes it from the fiber's held set.
  void released(detail::LockIdentity& lock) noexcept;

  // Forgets every edge (e.g. between independent test cases).
  void reset() noexcept;
  // The number of recorded "A before B" edges.
  std::size_t edge_count() const noexcept;
  // Drops the edges of a lock that is going away.
  void forget(std::uint64_t serial) noexcept;

 private:
  LockOrderChecker() = default;
  struct Graph;
  Graph& graph() const;
  std::atomic<bool> used_{false};
};

}  // namespace weft
