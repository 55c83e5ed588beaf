#include "sync_wait.hpp"

namespace weft::detail {

sched::WaitOutcome wait_in(SpinLock& lock, sched::WaitQueue& queue, const WaitRecord& record,
                           std::optional<TimePoint> deadline, void* slot, std::uintptr_t tag) {
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
    if (sched::try_claim(w->ticket, WakeReason::Notified)) return w;
  return nullptr;
}

std::string describe(const sched::Fiber& fiber) {
  std::string out = "fiber ";
  if (!fiber.name().empty()) out += "'" + fiber.name() + "' (";
  out += "#" + std::to_string(fiber.id());
  if (!fiber.name().empty()) out += ")";
  return out;
}

std::string describe_current() {
  const sched::Fiber* self = sched::current_fiber();
  return self ? describe(*self) : std::string("a thread outside any weft runtime");
}

}  // namespace weft::detail
