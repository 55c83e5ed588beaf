// Asymmetric fences: a cheap side that runs often and a heavy side that runs rarely.
//
// A Dekker-style handshake (each side stores its flag, then reads the other's) needs a
// full fence on both sides. When one side is hot (a fiber opening a wait, a thread
// entering its own biased lock) and the other is rare (a cancellation, a bias
// revocation), the hot side can use a compiler fence only, provided the rare side runs
// membarrier(2), which executes a full fence on every running thread of the process.
#pragma once

#include <atomic>

namespace weft::sched::detail {

// True when the heavy side is available (Linux membarrier, private expedited, and not
// under ThreadSanitizer). Decided once per process.
bool decide_asymmetric_fences() noexcept;
extern std::atomic<int> g_asymmetric_fences;  // 0: not decided yet, 1: yes, -1: no
inline bool asymmetric_fences() noexcept {
  const int decided = g_asymmetric_fences.load(std::memory_order_relaxed);
  return decided != 0 ? decided > 0 : decide_asymmetric_fences();
}

// The hot side: orders nothing at run time, but keeps the compiler from reordering.
inline void light_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

// The rare side: a full fence on every thread of the process. Requires
// asymmetric_fences().
void heavy_fence() noexcept;

}  // namespace weft::sched::detail
