// weft::Semaphore and weft::BoundedSemaphore: fiber-aware counting semaphores.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>

#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/detail/timed_waitable.hpp"

namespace weft {

// A counting semaphore: acquire() takes one permit, waiting while there is none;
// release(n) returns n permits. Waiters are served in FIFO order and a released permit is
// handed directly to the first waiter, so a fiber that keeps re-acquiring cannot starve
// them. Usable from fibers on any thread (release() also from plain threads); a release
// happens before the acquire that takes its permit.
class Semaphore : public detail::TimedWaitable<Semaphore> {
 public:
  // The largest number of permits a semaphore can hold.
  static constexpr std::ptrdiff_t max() noexcept {
    return std::numeric_limits<std::ptrdiff_t>::max();
  }

  // Starts with `initial` permits. Throws UsageError if `initial` is negative.
  explicit Semaphore(std::ptrdiff_t initial);
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  // Precondition: no fiber waits on it.
  ~Semaphore();

  // Takes a permit, blocking while none is available. Throws Cancelled if the fiber is
  // cancelled while waiting (no permit is taken); UsageError outside a fiber.
  void acquire();
  // Takes a permit if one is available and nobody waits; never blocks.
  [[nodiscard]] bool try_acquire();
  // Takes a permit, waiting at most `timeout`; false on timeout. Cancelled as acquire().
  using detail::TimedWaitable<Semaphore>::try_acquire_for;
  // As try_acquire_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool try_acquire_until(TimePoint deadline);
  using detail::TimedWaitable<Semaphore>::try_acquire_until;
  // Returns `n` permits (n >= 0), waking up to n waiters. Throws UsageError, changing
  // nothing, if n is negative or the count would pass the bound (max() here).
  void release(std::ptrdiff_t n = 1);

  // The permits available now (a snapshot).
  std::ptrdiff_t available() const noexcept;

 protected:
  Semaphore(std::ptrdiff_t initial, std::ptrdiff_t bound, const char* kind);

 private:
  bool take(std::optional<TimePoint> deadline, const char* call);

  mutable sched::detail::SpinLock lock_;
  std::ptrdiff_t count_;
  std::ptrdiff_t bound_;
  const char* kind_;
  sched::WaitQueue waiters_;
};

// A semaphore whose count may never exceed its bound (Python's BoundedSemaphore):
// releasing more permits than were taken is reported instead of silently inflating the
// count. Otherwise exactly a Semaphore.
class BoundedSemaphore : public Semaphore {
 public:
  // Starts full: `bound` permits, at most `bound`. Throws UsageError if bound < 0.
  explicit BoundedSemaphore(std::ptrdiff_t bound);
  // Starts with `initial` permits, at most `bound`. Throws UsageError unless
  // 0 <= initial <= bound.
  BoundedSemaphore(std::ptrdiff_t initial, std::ptrdiff_t bound);

  std::ptrdiff_t bound() const noexcept { return bound_value_; }

 private:
  std::ptrdiff_t bound_value_;
};

}  // namespace weft
