// Internal: the waits of the sync primitives whose waker hands over what is waited for.
// Not part of the API: this header lives next to the sources and is not installed.
#pragma once

#include <mutex>
#include <optional>
#include <source_location>

#include "weft/detail/deadline.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::detail {

// Parks as wait_in() does, for a wait whose waker hands over what is waited for (a
// permit, an admission, an opened gate): true when woken so; false when `deadline`
// passes first, at once when it already has; throws Cancelled when the fiber is
// cancelled. Precondition and the handling of `lock` as for wait_in().
bool wait_notified(sched::detail::SpinLock& lock, sched::WaitQueue& queue, const sched::WaitRecord& record,
                   std::optional<TimePoint> deadline);

// The wait of a gate that opens for every waiter at once (Event, Latch, WaitGroup): true
// at once while `is_open()` (called under `lock`), else parks in `queue` as
// wait_notified() does. `call` names the operation in the UsageError of a caller outside
// a fiber that would have to park. A schedule point at `where` comes first; the opener's
// writes are visible after a true result.
template <class IsOpen>
bool wait_gate(sched::detail::SpinLock& lock, sched::WaitQueue& queue, const sched::WaitRecord& record,
               const char* call, std::optional<TimePoint> deadline, IsOpen is_open,
               std::source_location where = std::source_location::current()) {
  schedule_point(sched::Op::Wait, record.object, where);
  std::unique_lock guard(lock);
  if (!is_open()) {
    sched::require_fiber(call);
    if (!wait_notified(lock, queue, record, deadline)) return false;
  }
  guard.unlock();
  sched::hb_acquire(record.object);
  return true;
}

}  // namespace weft::detail
