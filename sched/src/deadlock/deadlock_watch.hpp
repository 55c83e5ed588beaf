// When a worker may give its deadlock verdict. While other threads exist in the process
// (a plain thread may be about to cancel a fiber, a runtime that would wake us may still
// be starting), every runtime stuck is not enough: the verdict waits for a grace period
// of real time without a single wake-up.
#pragma once

#include <atomic>
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
  // is stuck; `progress`: the switches of every worker of every running runtime so far
  // (StuckRegistry::Mark): a suspicion from before any fiber last moved, on any worker,
  // is stale. Returns how much longer to wait before the
  // verdict, or nullopt when it may be given now.
  std::optional<Duration> grace_left(bool all_stuck, std::uint64_t progress);
  // A fiber ran: whatever was suspected is over.
  void clear() noexcept { since_.reset(); }

  // Marks the calling thread, for its scope, as one of weft's own helpers (the stall
  // monitor, the blocking pool's threads): they never wake a fiber by themselves, so
  // they do not count as "other threads" that might. (A pool thread running a job does
  // not need to count either: the fiber waiting for it waits on something external.)
  class HelperThread {
   public:
    HelperThread() noexcept { helpers_.fetch_add(1, std::memory_order_relaxed); }
    ~HelperThread() { helpers_.fetch_sub(1, std::memory_order_relaxed); }
    HelperThread(const HelperThread&) = delete;
    HelperThread& operator=(const HelperThread&) = delete;
  };

 private:
  static bool other_threads_exist() noexcept;
  static inline std::atomic<int> helpers_{0};

  std::optional<std::chrono::steady_clock::time_point> since_;
  std::uint64_t at_wakeups_ = 0;
};

}  // namespace weft::sched::detail
