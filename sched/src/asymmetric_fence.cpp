// Asymmetric fences: a compiler fence on the fast side, membarrier(2) on the rare one.
#include "asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "weft/sched/macros.hpp"

namespace weft::sched::detail {

namespace {

int membarrier(int command) noexcept { return static_cast<int>(::syscall(__NR_membarrier, command, 0, 0)); }

bool register_for_membarrier() noexcept {
#ifdef WEFT_TSAN
  return false;  // TSan does not model membarrier: it would report the light side as racy
#else
  const int commands = membarrier(MEMBARRIER_CMD_QUERY);
  return commands > 0 && (commands & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
         membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
#endif
}

}  // namespace

std::atomic<int> g_asymmetric_fences{0};

bool decide_asymmetric_fences() noexcept {
  // Threads racing here all register; registering twice is harmless.
  const bool available = register_for_membarrier();
  g_asymmetric_fences.store(available ? 1 : -1, std::memory_order_relaxed);
  return available;
}

void heavy_fence() noexcept {
  const int status = membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
  WEFT_INVARIANT(status == 0, "membarrier failed after registering for it");
}

}  // namespace weft::sched::detail
