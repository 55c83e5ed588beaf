// Waits whose waker hands over what is waited for (notified_wait.hpp).
#include "sync/notified_wait.hpp"

#include "queue_wait.hpp"
#include "weft/errors.hpp"

namespace weft::detail {

bool wait_notified(sched::detail::SpinLock& lock, sched::WaitQueue& queue, const sched::WaitRecord& record,
                   std::optional<TimePoint> deadline) {
  if (deadline && *deadline <= sched::now()) return false;
  const sched::WaitOutcome outcome = wait_in(lock, queue, record, deadline);
  if (outcome.reason == sched::WakeReason::Timeout) return false;
  if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
  return true;
}

}  // namespace weft::detail
