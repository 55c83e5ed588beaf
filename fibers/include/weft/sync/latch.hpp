// weft::Latch: a single-use countdown that fibers wait to reach zero (std::latch).
#pragma once

#include <cstddef>

#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/detail/timed_waitable.hpp"

namespace weft {

// Starts at `count`; count_down() lowers it and wait() blocks until it is zero. Once
// zero it stays zero (single use; see WaitGroup for a reusable counter). Every
// count_down happens before every wait that returns because the count reached zero.
// Usable from fibers on any thread (count_down() also from plain threads).
class Latch : public detail::TimedWaitable<Latch> {
 public:
  // Throws UsageError if `count` is negative.
  explicit Latch(std::ptrdiff_t count);
  Latch(const Latch&) = delete;
  Latch& operator=(const Latch&) = delete;
  // Precondition: no fiber waits on it.
  ~Latch();

  // Lowers the count by n (n >= 0), waking all waiters when it reaches zero. Throws
  // UsageError, changing nothing, if n is negative or larger than the count.
  void count_down(std::ptrdiff_t n = 1);
  // Whether the count is zero; never blocks.
  [[nodiscard]] bool try_wait() const;
  // Blocks until the count is zero. Throws Cancelled if the fiber is cancelled while
  // waiting; UsageError outside a fiber (unless the count is already zero).
  void wait();
  // Blocks until the count is zero (true) or the timeout passed (false). Cancelled as wait().
  using detail::TimedWaitable<Latch>::wait_for;
  // As wait_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool wait_until(TimePoint deadline);
  using detail::TimedWaitable<Latch>::wait_until;
  // count_down(n), then wait().
  void arrive_and_wait(std::ptrdiff_t n = 1);

  // The current count (a snapshot).
  std::ptrdiff_t count() const noexcept;

 private:
  mutable sched::detail::SpinLock lock_;
  std::ptrdiff_t count_;
  sched::WaitQueue waiters_;
};

}  // namespace weft
