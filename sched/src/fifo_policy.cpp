// FifoPolicy's hand-off slice (the rest of the policy is inline in policy.hpp).
#include <time.h>

#include <atomic>

#include "weft/sched/policy.hpp"

namespace weft::sched {

namespace {

std::int64_t monotonic_ns() noexcept {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::uint32_t FifoPolicy::next_id() noexcept {
  static std::atomic<std::uint32_t> last{0};
  std::uint32_t id = last.fetch_add(1, std::memory_order_relaxed) + 1;
  if (id == 0) id = last.fetch_add(1, std::memory_order_relaxed) + 1;  // 0 means "no queue"
  return id;
}

bool FifoPolicy::renew_handoffs() noexcept {
  if (counted() == 0) {  // nobody waits behind the hand-offs
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
