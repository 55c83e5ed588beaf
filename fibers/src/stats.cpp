// weft::stats() (weft/stats.hpp).
#include "weft/stats.hpp"

#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft {

RuntimeStats stats() {
  sched::Scheduler* scheduler = sched::Scheduler::current();
  if (scheduler == nullptr || sched::current_fiber() == nullptr)
    throw UsageError("weft::stats must be called from a fiber");
  return scheduler->stats();
}

}  // namespace weft
