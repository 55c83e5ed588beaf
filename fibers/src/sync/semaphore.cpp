// weft::Semaphore and weft::BoundedSemaphore (weft/sync/semaphore.hpp).
#include "weft/sync/semaphore.hpp"

#include <mutex>
#include <string>

#include "queue_wait.hpp"
#include "sync/describe_fiber.hpp"
#include "sync/notified_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

Semaphore::Semaphore(std::ptrdiff_t initial) : Semaphore(initial, max(), "weft::Semaphore") {}

Semaphore::Semaphore(std::ptrdiff_t initial, std::ptrdiff_t bound, const char* kind)
    : count_(initial), bound_(bound), kind_(kind) {
  if (initial < 0 || initial > bound)
    throw UsageError(std::string(kind) + ": the initial count " + std::to_string(initial) +
                     " is not within 0.." + std::to_string(bound));
}

Semaphore::~Semaphore() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a semaphore", this, {&waiters_});
}

bool Semaphore::take(std::optional<TimePoint> deadline, const char* call) {
  sched::require_fiber(call);
  schedule_point(sched::Op::Wait, this);
  std::unique_lock guard(lock_);
  // FIFO: released permits are handed to waiters directly, so a newcomer takes one only
  // when nobody waits.
  if (count_ > 0 && waiters_.empty()) {
    --count_;
  } else if (!detail::wait_notified(lock_, waiters_, {sched::WaitKind::Semaphore, this, "semaphore"},
                                    deadline)) {
    return false;
  }
  // The permit is ours: taken above, or handed over by the releaser.
  guard.unlock();
  sched::hb_acquire(this);
  return true;
}

void Semaphore::acquire() { take(std::nullopt, "weft::Semaphore::acquire"); }

bool Semaphore::try_acquire() {
  schedule_point(sched::Op::Wait, this);
  {
    std::lock_guard guard(lock_);
    if (count_ == 0 || !waiters_.empty()) return false;
    --count_;
  }
  sched::hb_acquire(this);
  return true;
}

bool Semaphore::try_acquire_until(TimePoint deadline) {
  return take(detail::finite(deadline), "weft::Semaphore::try_acquire_until");
}

void Semaphore::release(std::ptrdiff_t n) {
  schedule_point(sched::Op::Notify, this);
  if (n < 0)
    throw UsageError(std::string(kind_) + "::release: negative count " + std::to_string(n));
  std::lock_guard guard(lock_);
  if (n > bound_ - count_)
    throw UsageError(std::string(kind_) + "::release(" + std::to_string(n) + ") by " +
                     detail::describe_current() + ": the count " + std::to_string(count_) +
                     " would exceed the bound " + std::to_string(bound_) +
                     " (more releases than acquires)");
  sched::hb_release(this);
  count_ += n;
  while (count_ > 0) {
    sched::Waiter* w = detail::claim_first(waiters_);
    if (w == nullptr) break;
    --count_;
    sched::wake(w->ticket);
  }
}

std::ptrdiff_t Semaphore::available() const noexcept {
  std::lock_guard guard(lock_);
  return count_;
}

BoundedSemaphore::BoundedSemaphore(std::ptrdiff_t bound) : BoundedSemaphore(bound, bound) {}

BoundedSemaphore::BoundedSemaphore(std::ptrdiff_t initial, std::ptrdiff_t bound)
    : Semaphore(initial, bound, "weft::BoundedSemaphore"), bound_value_(bound) {}

}  // namespace weft
