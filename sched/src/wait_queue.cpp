// WaitQueue's out-of-line parts (see weft/sched/wait_queue.hpp).
#include "weft/sched/wait_queue.hpp"

#include <cstdio>
#include <cstdlib>

#include "weft/sched/fiber.hpp"
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

namespace detail {

void destroyed_while_waited(const char* what, const void* object,
                            std::initializer_list<const WaitQueue*> queues) noexcept {
  std::fprintf(stderr,
               "weft: %s at %p was destroyed while fibers still wait on it; this is a bug in the "
               "program, not in weft: destroy a primitive only after its last waiter has returned. "
               "Waiting:\n",
               what, object);
  for (const WaitQueue* queue : queues)
    for (const Waiter* w = queue->front(); w; w = w->next) {
      const Fiber* f = w->ticket.fiber;
      std::fprintf(stderr, "  fiber #%llu%s%s%s\n", static_cast<unsigned long long>(f->id()),
                   f->name().empty() ? "" : " '", f->name().c_str(), f->name().empty() ? "" : "'");
    }
  std::abort();
}

}  // namespace detail

}  // namespace weft::sched
