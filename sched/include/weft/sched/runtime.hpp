// The scheduler runtime: owns the workers, their stack pools and timers, and runs
// fibers until every one has finished. Most users call weft::run() (weft/weft.hpp)
// instead of using this class directly.
#pragma once

#include <atomic>
#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>

#include "weft/sched/clock.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/policy.hpp"

namespace weft::sched {

namespace detail {
class Worker;
}

struct RuntimeOptions {
  // Usable stack bytes of a fiber that does not ask for a size (rounded up to pages;
  // at least 16 KiB). Each stack also has one guard page.
  std::size_t stack_size = 64 * 1024;
  // Bytes of released stacks a worker keeps for reuse.
  std::size_t stack_pool_bytes = std::size_t{256} << 20;
  // Report a global deadlock (every fiber blocked, nothing can wake them) by unwinding
  // the stuck fibers and throwing DeadlockError from run().
  bool detect_deadlock = true;
  // Scheduling policy; null means FifoPolicy.
  std::unique_ptr<SchedulingPolicy> policy;
  // Clock for timers; null means the steady clock. Not owned; must outlive run().
  Clock* clock = nullptr;
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {});
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  ~Runtime();

  // Runs `first` and every fiber started from it on the calling kernel thread until all
  // of them have finished. Takes over the initial reference of `first`. Throws
  // DeadlockError (after unwinding the stuck fibers) when every remaining fiber is
  // blocked and nothing can wake them. Throws UsageError when called from inside a
  // runtime on this thread.
  void run(Fiber& first);

  // Fibers started and not yet finished.
  std::size_t live_fibers() const noexcept;
  // Writes one line per live fiber: id, name, state, and what it waits on.
  void dump(std::ostream& out) const;
  const RuntimeOptions& options() const noexcept { return options_; }

  // The runtime whose fiber is running on the calling thread, or null.
  static Runtime* current() noexcept;

 private:
  friend class detail::Worker;
  RuntimeOptions options_;
  SteadyClockSource steady_;
  std::unique_ptr<detail::Worker> worker_;
  std::atomic<std::size_t> external_waits_{0};
};

// Writes the live fibers of the calling thread's runtime (see Runtime::dump).
void dump(std::ostream& out);

}  // namespace weft::sched
