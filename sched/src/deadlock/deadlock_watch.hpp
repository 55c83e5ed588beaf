// When a worker may give its deadlock verdict. While other threads exist in the process
// (a plain thread may be about to cancel a fiber, a runtime that would wake us may still
// be starting), every runtime stuck is not enough: the verdict waits for a grace period
// of real time without a single wake-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "weft/sched/time.hpp"

namespace weft::sched::detail {

class DeadlockWatch {
 public:
  // Long enough for a thread just created on a loaded 2-core machine to get its first
  // time slice.
  static constexpr std::chrono::milliseconds kGrace{250};

  // Called each time the worker finds itself stuck. `all_stuck`: every running runtime
  // is stuck; `wakeups`: how many fibers the worker has woken so far (a suspicion from
  // before the last wake-up is stale). Returns how much longer to wait before the
  // verdict, or nullopt when it may be given now.
  std::optional<Duration> grace_left(bool all_stuck, std::uint64_t wakeups);
  // A fiber ran: whatever was suspected is over.
  void clear() noexcept { since_.reset(); }

 private:
  static bool other_threads_exist() noexcept;

  std::optional<std::chrono::steady_clock::time_point> since_;
  std::uint64_t at_wakeups_ = 0;
};

}  // namespace weft::sched::detail
