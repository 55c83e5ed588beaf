// Claiming a waiter from a primitive's WaitQueue (queue_wait.hpp; parking is inline there).
#include "queue_wait.hpp"

namespace weft::detail {

sched::Waiter* claim_first(sched::WaitQueue& queue) noexcept {
  while (sched::Waiter* w = queue.pop_front())
    if (sched::try_claim(w->ticket, sched::WakeReason::Notified)) return w;
  return nullptr;
}

}  // namespace weft::detail
