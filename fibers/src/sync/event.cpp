// weft::Event (weft/sync/event.hpp).
#include "weft/sync/event.hpp"

#include <mutex>

#include "queue_wait.hpp"
#include "weft/sched/errors.hpp"

namespace weft {

Event::~Event() {
  WEFT_INVARIANT(waiters_.empty(), "weft: an event was destroyed while fibers wait on it");
}

void Event::set() {
  schedule_point(Op::Notify, this);
  std::lock_guard guard(lock_);
  hb_release(this);
  set_ = true;
  waiters_.notify_all();
}

void Event::clear() {
  schedule_point(Op::Store, this);
  std::lock_guard guard(lock_);
  set_ = false;
}

bool Event::is_set() const {
  schedule_point(Op::Load, this);
  std::lock_guard guard(lock_);
  if (set_) hb_acquire(this);
  return set_;
}

bool Event::wait_impl(std::optional<TimePoint> deadline) {
  schedule_point(Op::Wait, this);
  std::unique_lock guard(lock_);
  if (!set_) {
    sched::require_fiber("weft::Event::wait");
    if (deadline && *deadline <= sched::now()) return false;
    sched::WaitOutcome outcome =
        detail::wait_in(lock_, waiters_, WaitRecord{WaitKind::Event, this, "event"}, deadline);
    if (outcome.reason == WakeReason::Timeout) return false;
    if (outcome.reason == WakeReason::Cancelled) throw Cancelled();
  }
  guard.unlock();
  hb_acquire(this);
  return true;
}

void Event::wait() { (void)wait_impl(std::nullopt); }

bool Event::wait_until(TimePoint deadline) { return wait_impl(detail::finite(deadline)); }

}  // namespace weft
