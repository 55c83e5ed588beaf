#include "weft/sched/spinlock.hpp"

#include <sched.h>

namespace weft::detail {

void SpinLock::lock_slow() noexcept {
  // PAUSE costs ~28 ns on the reference machine: ~64 of them cover a short critical
  // section on the other core; after that the holder was likely preempted.
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (!locked_.load(std::memory_order_relaxed) &&
          !locked_.exchange(true, std::memory_order_acquire))
        return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    ::sched_yield();
  }
}

}  // namespace weft::detail
