// FifoPolicy's hand-off slice (the rest of the policy is inline in policy.hpp).
#include <time.h>

#include "weft/sched/policy.hpp"

namespace weft::sched {

namespace {

std::int64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

bool FifoPolicy::renew_handoffs() noexcept {
  if (count_ == 0) {  // nobody waits behind the hand-offs
    restart_handoffs();
    return true;
  }
  const std::int64_t now = monotonic_ns();
  if (!(handoffs_left_ & kRenewed))
    slice_start_ns_ = now;  // the first budget since a fiber that waited its turn ran
  else if (now - slice_start_ns_ >= kHandoffSliceNs)
    return false;  // the slice is over: the oldest fiber runs next
  handoffs_left_ = kRenewed | kHandoffBudget;
  return true;
}

}  // namespace weft::sched
