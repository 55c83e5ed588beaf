// weft::WaitGroup (weft/sync/wait_group.hpp).
#include "weft/sync/wait_group.hpp"

#include <mutex>
#include <string>

#include "queue_wait.hpp"
#include "sync/describe_fiber.hpp"
#include "weft/sched/errors.hpp"

namespace weft {

WaitGroup::~WaitGroup() {
  WEFT_INVARIANT(waiters_.empty(), "weft: a wait group was destroyed while fibers wait on it");
}

void WaitGroup::add(std::ptrdiff_t n) {
  schedule_point(Op::Notify, this);
  std::lock_guard guard(lock_);
  if (n < 0 && -n > count_)
    throw UsageError("weft::WaitGroup: " + detail::describe_current() + " lowers the counter " +
                     std::to_string(count_) + " by " + std::to_string(-n) +
                     " (more done() than add())");
  hb_release(this);
  count_ += n;
  if (count_ == 0) waiters_.notify_all();
}

void WaitGroup::done() { add(-1); }

bool WaitGroup::wait_impl(std::optional<TimePoint> deadline) {
  schedule_point(Op::Wait, this);
  std::unique_lock guard(lock_);
  if (count_ != 0) {
    sched::require_fiber("weft::WaitGroup::wait");
    if (deadline && *deadline <= sched::now()) return false;
    sched::WaitOutcome outcome = detail::wait_in(
        lock_, waiters_, WaitRecord{WaitKind::Barrier, this, "wait group"}, deadline);
    if (outcome.reason == WakeReason::Timeout) return false;
    if (outcome.reason == WakeReason::Cancelled) throw Cancelled();
  }
  guard.unlock();
  hb_acquire(this);
  return true;
}

void WaitGroup::wait() { (void)wait_impl(std::nullopt); }

bool WaitGroup::wait_until(TimePoint deadline) { return wait_impl(detail::finite(deadline)); }

std::ptrdiff_t WaitGroup::count() const noexcept {
  std::lock_guard guard(lock_);
  return count_;
}

}  // namespace weft
