// Internal: parking a fiber in a primitive's WaitQueue and claiming a waiter from it.
// Not part of the API: this header lives next to the sources and is not installed.
#pragma once

#include <cstdint>
#include <optional>

#include "weft/detail/deadline.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::detail {

// Parks the calling fiber in `queue` until a waker claims its wait, `deadline` passes or
// the fiber is cancelled, following the protocol of weft/sched/wait_queue.hpp.
// Precondition: the caller is a fiber and holds `lock`, the primitive's lock that guards
// `queue`. Returns, or throws (shutdown unwinding), with `lock` held again and the node
// unlinked, so a scoped guard of `lock` stays correct.
// Inline: it is on the blocking path of every primitive (a mutex handed over under
// contention parks here once per lock).
[[gnu::always_inline]] inline sched::WaitOutcome wait_in(sched::detail::SpinLock& lock, sched::WaitQueue& queue,
                                  const sched::WaitRecord& record, std::optional<TimePoint> deadline,
                                  void* slot = nullptr, std::uintptr_t tag = 0) {
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

// Claims the first waiter of `queue` that can still be claimed (FIFO, no checker choice)
// and returns its node, unlinked; null when none could be claimed. The caller hands the
// payload over and then wakes the fiber (sched::wake), all under the primitive's lock.
sched::Waiter* claim_first(sched::WaitQueue& queue) noexcept;

}  // namespace weft::detail
