// weft::Event (weft/sync/event.hpp).
#include "weft/sync/event.hpp"

#include <mutex>

#include "sync/notified_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

Event::~Event() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("an event", this, {&waiters_});
}

void Event::set() {
  schedule_point(sched::Op::Notify, this);
  std::lock_guard guard(lock_);
  sched::hb_release(this);
  set_ = true;
  waiters_.notify_all();
}

void Event::clear() {
  schedule_point(sched::Op::Store, this);
  std::lock_guard guard(lock_);
  set_ = false;
}

bool Event::is_set() const {
  schedule_point(sched::Op::Load, this);
  std::lock_guard guard(lock_);
  if (set_) sched::hb_acquire(this);
  return set_;
}

void Event::wait() { (void)wait_until(TimePoint::max()); }

bool Event::wait_until(TimePoint deadline) {
  return detail::wait_gate(lock_, waiters_, sched::WaitRecord{sched::WaitKind::Event, this, "event"},
                           "weft::Event::wait", detail::finite(deadline), [this] { return set_; });
}

}  // namespace weft
