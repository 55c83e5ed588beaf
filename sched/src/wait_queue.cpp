// WaitQueue's out-of-line parts (see weft/sched/wait_queue.hpp).
#include "weft/sched/wait_queue.hpp"

#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::sched {

Waiter* WaitQueue::pop_at(std::size_t index) noexcept {
  Waiter* w = front();
  while (w && index-- > 0) w = w->next;
  if (w) remove(*w);
  return w;
}

Waiter* WaitQueue::notify_one(std::uintptr_t detail) noexcept {
  while (!empty()) {
    // FIFO in production; under the checker, which waiter wakes is a recorded choice.
    std::size_t pick = size() > 1 ? choose(size(), Choice::Waiter) : 0;
    Waiter* w = pop_at(pick);
    if (try_wake(w->ticket, WakeReason::Notified, detail)) return w;
  }
  return nullptr;
}

std::size_t WaitQueue::notify_all(std::uintptr_t detail) noexcept {
  std::size_t woken = 0;
  while (Waiter* w = pop_front())
    if (try_wake(w->ticket, WakeReason::Notified, detail)) ++woken;
  return woken;
}

}  // namespace weft::sched
