// weft::WaitGroup: wait for a collection of fibers to finish (Go's sync.WaitGroup).
#pragma once

#include <cstddef>

#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/detail/timed_waitable.hpp"

namespace weft {

// A counter of outstanding work: add(n) before starting n tasks, done() as each one
// ends, wait() until the counter is zero. Reusable once it reached zero. Every done()
// happens before every wait that returns because the counter reached zero. Usable from
// fibers on any thread (add() and done() also from plain threads).
class WaitGroup : public detail::TimedWaitable<WaitGroup> {
 public:
  WaitGroup() = default;
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;
  // Precondition: no fiber waits on it.
  ~WaitGroup();

  // Adds n (which may be negative) to the counter; reaching zero wakes all waiters.
  // Throws UsageError, changing nothing, if the counter would drop below zero.
  void add(std::ptrdiff_t n = 1);
  // add(-1): one task finished. Throws UsageError if the counter is already zero.
  void done();
  // Blocks until the counter is zero. Throws Cancelled if the fiber is cancelled while
  // waiting; UsageError outside a fiber (unless the counter is already zero).
  void wait();
  // Blocks until the counter is zero (true) or the timeout passed (false). Cancelled as wait().
  using detail::TimedWaitable<WaitGroup>::wait_for;
  // As wait_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool wait_until(TimePoint deadline);
  using detail::TimedWaitable<WaitGroup>::wait_until;

  // The counter (a snapshot).
  std::ptrdiff_t count() const noexcept;

 private:
  mutable sched::detail::SpinLock lock_;
  std::ptrdiff_t count_ = 0;
  sched::WaitQueue waiters_;
};

}  // namespace weft
