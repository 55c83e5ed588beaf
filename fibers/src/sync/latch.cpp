// weft::Latch (weft/sync/latch.hpp).
#include "weft/sync/latch.hpp"

#include <mutex>
#include <string>

#include "sync/describe_fiber.hpp"
#include "sync/notified_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

Latch::Latch(std::ptrdiff_t count) : count_(count) {
  if (count < 0) throw UsageError("weft::Latch: negative count " + std::to_string(count));
}

Latch::~Latch() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a latch", this, {&waiters_});
}

void Latch::count_down(std::ptrdiff_t n) {
  schedule_point(sched::Op::Notify, this);
  std::lock_guard guard(lock_);
  if (n < 0 || n > count_)
    throw UsageError("weft::Latch::count_down(" + std::to_string(n) + ") by " +
                     detail::describe_current() + ": the count is " + std::to_string(count_));
  sched::hb_release(this);
  count_ -= n;
  if (count_ == 0) waiters_.notify_all();
}

bool Latch::try_wait() const {
  schedule_point(sched::Op::Load, this);
  std::lock_guard guard(lock_);
  if (count_ != 0) return false;
  sched::hb_acquire(this);
  return true;
}

void Latch::wait() { (void)wait_until(TimePoint::max()); }

bool Latch::wait_until(TimePoint deadline) {
  return detail::wait_gate(lock_, waiters_, sched::WaitRecord{sched::WaitKind::Barrier, this, "latch"},
                           "weft::Latch::wait", detail::finite(deadline),
                           [this] { return count_ == 0; });
}

void Latch::arrive_and_wait(std::ptrdiff_t n) {
  count_down(n);
  wait();
}

std::ptrdiff_t Latch::count() const noexcept {
  std::lock_guard guard(lock_);
  return count_;
}

}  // namespace weft
