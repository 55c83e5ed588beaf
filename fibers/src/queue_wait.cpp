// Parking in a primitive's WaitQueue and claiming a waiter from it (queue_wait.hpp).
#include "queue_wait.hpp"

namespace weft::detail {

sched::WaitOutcome wait_in(sched::detail::SpinLock& lock, sched::WaitQueue& queue,
                           const sched::WaitRecord& record, std::optional<TimePoint> deadline,
                           void* slot, std::uintptr_t tag) {
  sched::WaitTicket ticket = sched::begin_wait(record);
  sched::Waiter node(ticket, slot, tag);
  queue.push_back(node);
  lock.unlock();
  sched::WaitOutcome outcome;
  try {
    outcome = sched::await(ticket, deadline);
  } catch (...) {
    // The node lives on this stack: it must leave the queue before the frame does.
    lock.lock();
    queue.remove(node);
    throw;
  }
  lock.lock();
  queue.remove(node);  // still linked after a timeout or a cancellation
  return outcome;
}

sched::Waiter* claim_first(sched::WaitQueue& queue) noexcept {
  while (sched::Waiter* w = queue.pop_front())
    if (sched::try_claim(w->ticket, sched::WakeReason::Notified)) return w;
  return nullptr;
}

}  // namespace weft::detail
