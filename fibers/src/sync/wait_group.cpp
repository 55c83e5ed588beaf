// weft::WaitGroup (weft/sync/wait_group.hpp).
#include "weft/sync/wait_group.hpp"

#include <mutex>
#include <string>

#include "sync/describe_fiber.hpp"
#include "sync/notified_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

WaitGroup::~WaitGroup() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a wait group", this, {&waiters_});
}

void WaitGroup::add(std::ptrdiff_t n) {
  schedule_point(sched::Op::Notify, this);
  std::lock_guard guard(lock_);
  if (n < 0 && -n > count_)
    throw UsageError("weft::WaitGroup: " + detail::describe_current() + " lowers the counter " +
                     std::to_string(count_) + " by " + std::to_string(-n) +
                     " (more done() than add())");
  sched::hb_release(this);
  count_ += n;
  if (count_ == 0) waiters_.notify_all();
}

void WaitGroup::done() { add(-1); }

void WaitGroup::wait() { (void)wait_until(TimePoint::max()); }

bool WaitGroup::wait_until(TimePoint deadline) {
  return detail::wait_gate(lock_, waiters_, sched::WaitRecord{sched::WaitKind::Barrier, this, "wait group"},
                           "weft::WaitGroup::wait", detail::finite(deadline),
                           [this] { return count_ == 0; });
}

std::ptrdiff_t WaitGroup::count() const noexcept {
  std::lock_guard guard(lock_);
  return count_;
}

}  // namespace weft
