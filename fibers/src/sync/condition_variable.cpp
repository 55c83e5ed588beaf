// weft::ConditionVariable and weft::ConditionVariableAny (weft/sync/condition_variable.hpp).
#include "weft/sync/condition_variable.hpp"

#include "sync/describe_fiber.hpp"
#include "weft/errors.hpp"

namespace weft {

namespace detail {

CvCore::~CvCore() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a condition variable", this, {&waiters_});
}

void CvCore::notify_one(const void* object) noexcept {
  lock_.lock();
  sched::hb_release(object);
  waiters_.notify_one();  // FIFO in production; a recorded choice under the checker
  lock_.unlock();
}

void CvCore::notify_all(const void* object) noexcept {
  lock_.lock();
  sched::hb_release(object);
  waiters_.notify_all();
  lock_.unlock();
}

namespace {
sched::WaitTicket open_wait(const void* object, const char* call) {
  sched::require_fiber(call);
  return sched::begin_wait(sched::WaitRecord{sched::WaitKind::CondVar, object, "condition variable"});
}
}  // namespace

CvCore::Wait::Wait(CvCore& cv, const void* object, const char* call)
    : cv_(cv), ticket_(open_wait(object, call)), node_(ticket_) {
  cv_.lock_.lock();
  cv_.waiters_.push_back(node_);
  cv_.lock_.unlock();
}

CvCore::Wait::~Wait() {
  cv_.lock_.lock();
  cv_.waiters_.remove(node_);  // still linked after a timeout, a cancel or a spurious wake
  cv_.lock_.unlock();
}

void CvCore::Wait::abandon(const void* object) {
  if (sched::try_wake(ticket_, sched::WakeReason::Notified)) return;  // nobody ended it: closed
  if (sched::await(ticket_).reason == sched::WakeReason::Cancelled)
    ticket_.fiber->request_cancel();  // delivered by the fiber's next wait
  else
    cv_.notify_one(object);
}

sched::WakeReason CvCore::Wait::await(std::optional<TimePoint> deadline) {
  // Under the checker a wait may end without a notify, as POSIX allows: claim our own wait.
  if (choose(2, sched::Choice::SpuriousWakeup) == 1) sched::try_wake(ticket_, sched::WakeReason::Notified);
  return sched::await(ticket_, deadline).reason;
}

}  // namespace detail

void ConditionVariable::notify_one() {
  schedule_point(sched::Op::Notify, this);
  core_.notify_one(this);
}

void ConditionVariable::notify_all() {
  schedule_point(sched::Op::Notify, this);
  core_.notify_all(this);
}

std::cv_status ConditionVariable::wait_impl(std::unique_lock<Mutex>& lock,
                                            std::optional<TimePoint> deadline) {
  if (!lock.owns_lock() || !lock.mutex()->held_by_current())
    throw UsageError("weft::ConditionVariable::wait: " + detail::describe_current() +
                     " waits with a lock that does not hold its mutex");
  Mutex& mutex = *lock.mutex();
  schedule_point(sched::Op::Wait, this);
  sched::WakeReason reason;
  {
    detail::CvCore::Wait wait(core_, this, "weft::ConditionVariable::wait");
    mutex.unlock();
    try {
      reason = wait.await(deadline);
    } catch (...) {
      lock.release();  // the runtime unwinds this fiber; it no longer holds the mutex
      throw;
    }
  }
  try {
    detail::MutexAccess::relock_after_wait(mutex);
  } catch (...) {
    lock.release();
    throw;
  }
  if (reason == sched::WakeReason::Cancelled) throw Cancelled();
  if (reason == sched::WakeReason::Notified) sched::hb_acquire(this);
  return reason == sched::WakeReason::Timeout ? std::cv_status::timeout : std::cv_status::no_timeout;
}

void ConditionVariable::wait(std::unique_lock<Mutex>& lock) { (void)wait_impl(lock, std::nullopt); }

std::cv_status ConditionVariable::wait_until(std::unique_lock<Mutex>& lock, TimePoint deadline) {
  return wait_impl(lock, detail::finite(deadline));
}

}  // namespace weft
