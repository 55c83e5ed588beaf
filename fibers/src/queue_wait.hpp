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
sched::WaitOutcome wait_in(sched::detail::SpinLock& lock, sched::WaitQueue& queue,
                           const sched::WaitRecord& record, std::optional<TimePoint> deadline,
                           void* slot = nullptr, std::uintptr_t tag = 0);

// Claims the first waiter of `queue` that can still be claimed (FIFO, no checker choice)
// and returns its node, unlinked; null when none could be claimed. The caller hands the
// payload over and then wakes the fiber (sched::wake), all under the primitive's lock.
sched::Waiter* claim_first(sched::WaitQueue& queue) noexcept;

}  // namespace weft::detail
