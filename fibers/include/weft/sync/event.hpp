// weft::Event: a fiber-aware flag that fibers wait for (Python's threading.Event).
#pragma once

#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/detail/timed_waitable.hpp"

namespace weft {

// A boolean flag, initially clear. set() wakes every waiting fiber; wait() returns at once
// while the flag is set. Usable from fibers on any thread (set() and clear() also from
// plain threads). A set() happens before every wait that it ends or that sees the flag.
class Event : public detail::TimedWaitable<Event> {
 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  // Precondition: no fiber waits on it.
  ~Event();

  // Sets the flag and wakes all waiters.
  void set();
  // Clears the flag; later waits block until the next set().
  void clear();
  // The flag (a snapshot).
  [[nodiscard]] bool is_set() const;

  // Blocks until the flag is set. Throws Cancelled if the fiber is cancelled while
  // waiting; UsageError outside a fiber (unless the flag is already set).
  void wait();
  // Blocks until the flag is set (true) or the timeout passed (false). A waiter woken by
  // set() returns true even if clear() followed. Cancelled as wait().
  using detail::TimedWaitable<Event>::wait_for;
  // As wait_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool wait_until(TimePoint deadline);
  using detail::TimedWaitable<Event>::wait_until;

 private:
  mutable sched::detail::SpinLock lock_;
  bool set_ = false;
  sched::WaitQueue waiters_;
};

}  // namespace weft
