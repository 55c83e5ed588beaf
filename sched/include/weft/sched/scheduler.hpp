// The kernel's scheduler: owns the workers (each with its run queue, stack pool and
// timers), the reactor they wait in, and runs fibers until every one has finished.
// Users meet it as weft::Runtime (weft/runtime.hpp); the checker and code that builds
// on the kernel use it directly.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/sched/blocking_pool.hpp"
#include "weft/sched/clock.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/policy.hpp"
#include "weft/sched/reactor.hpp"

namespace weft::sched {

namespace detail {
class Worker;
}

class Scheduler;

// What one worker has done since run() started (Scheduler::stats).
struct WorkerStats {
  std::size_t worker = 0;            // its index
  std::uint64_t switches = 0;        // times a fiber gave it up: yielded, blocked or ended
  std::uint64_t remote_wakeups = 0;  // fibers woken from other threads (through its inbox)
  std::uint64_t idle_waits = 0;      // waits in the reactor with nothing to run
  std::size_t ready = 0;             // fibers queued to run now
  // Several workers only:
  std::uint64_t steals = 0;          // fibers it took from other workers' queues
  std::uint64_t shared = 0;          // fibers it offered to idle workers
  std::uint64_t parks = 0;           // times it slept on its own futex (another worker
                                     // waited in the reactor)
  int cpu = -1;                      // the CPU it is pinned to (pin_workers), or -1
};

// A scheduler's counts, for benchmarks, dumps and monitoring.
struct SchedulerStats {
  std::size_t live_fibers = 0;
  std::vector<WorkerStats> workers;
  const char* reactor = "";  // its name
  IoStats io;                // its calls (epoll_wait, epoll_ctl, readiness)
  BlockingPool::Stats blocking;  // all zero until weft::blocking first ran
};

// What a scheduling policy learns about its place when it is made (one per worker).
struct PolicyContext {
  std::size_t worker;       // this worker's index, 0 .. workers-1
  std::size_t workers;      // how many workers the scheduler has
  Scheduler& scheduler;     // for Scheduler::notify_idle_worker
};

// Makes the policy of one worker; called once per worker when the scheduler is built.
using PolicyFactory = std::function<std::unique_ptr<SchedulingPolicy>(const PolicyContext&)>;
// Makes the reactor the workers wait in; called once when the scheduler is built.
using ReactorFactory = std::function<std::unique_ptr<Reactor>()>;

struct SchedulerOptions {
  // Kernel threads that run fibers (M:N). 0 means the environment variable WEFT_WORKERS
  // if it is set, else one per CPU this process may use (its affinity mask, as Go sets
  // GOMAXPROCS). With 1, run() is the cooperative single-thread loop on the calling
  // thread (fibers never run at the same time; locks stay biased). With N, the calling
  // thread is worker 0 and N-1 threads join it for the length of run(): fibers that
  // share plain data need a lock or an atomic. Fibers migrate between workers (an idle
  // worker steals from a busy one) unless started pinned (StartOptions::worker). A
  // virtual clock (the checker) always runs on one worker.
  std::size_t workers = 0;
  // Bind worker i to the i-th CPU this process may use (wrapping around when there are
  // more workers than CPUs) for the length of run(); the calling thread, worker 0, gets
  // its own mask back when run() returns. Also on with the environment variable
  // WEFT_PIN_WORKERS=1. Off by default, as in Go: the kernel then spreads the workers
  // over whatever CPUs are free. Pinning helps where the kernel places a waking worker
  // next to a busy one although another CPU idles (VMs that pack threads onto few
  // vCPUs do); it hurts where other busy processes share the CPUs. Only with several
  // workers on the steady clock. A thread that a fiber starts inherits its worker's one
  // CPU (weft's own, such as the blocking pool's, do not).
  bool pin_workers = false;
  // Usable stack bytes of a fiber that does not ask for a size (rounded up to pages;
  // at least 16 KiB). Each stack also has one guard page.
  std::size_t stack_size = 64 * 1024;
  // Bytes of released stacks a worker keeps for reuse.
  std::size_t stack_pool_bytes = std::size_t{256} << 20;
  // Report a global deadlock (every fiber blocked, nothing can wake them) by unwinding
  // the stuck fibers and throwing DeadlockError from run().
  bool detect_deadlock = true;
  // Scheduling policy of each worker; empty means FifoPolicy.
  PolicyFactory policy;
  // Where idle workers wait (and, with an I/O backend, where fd readiness comes from);
  // empty means make_default_reactor().
  ReactorFactory reactor;
  // Clock for timers; null means the steady clock. Not owned; must outlive run().
  Clock* clock = nullptr;
  // The blocking pool (weft::blocking): at most this many threads, each of which exits
  // after this long without a job. Made on first use.
  std::size_t blocking_threads = 64;
  Duration blocking_idle_timeout = std::chrono::seconds(10);
  // A worker that has not come back to the scheduler for this long (a fiber blocks its
  // thread) is reported, once per stall, naming the fiber; zero turns the watch off.
  // Never on a virtual clock. The report goes to on_stall if set (called on the
  // monitor's own thread), else to stderr.
  Duration stall_threshold = std::chrono::seconds(1);
  std::function<void(const std::string&)> on_stall;
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // Runs `first` and every fiber started from it until all of them have finished, on
  // the calling kernel thread and, with several workers, on threads it starts and joins. Takes over the initial reference of `first`. Throws
  // DeadlockError (after unwinding the stuck fibers) when every remaining fiber is
  // blocked and nothing can wake them. Throws UsageError when called from inside a
  // runtime on this thread.
  void run(Fiber& first);

  // Fibers started and not yet finished.
  std::size_t live_fibers() const noexcept;
  // Writes one line per live fiber: id, name, state, and what it waits on.
  void dump(std::ostream& out) const;
  // Its counts now. Call from one of its fibers (the workers' counts are read as they
  // are, without stopping them).
  SchedulerStats stats() const;
  const SchedulerOptions& options() const noexcept { return options_; }
  std::size_t worker_count() const noexcept { return workers_.size(); }
  Reactor& reactor() noexcept { return *reactor_; }

  // The pool that runs blocking work beside the workers (made on first use; its
  // threads are joined when the scheduler is destroyed). Safe from any thread.
  BlockingPool& blocking_pool();

  // Wakes a worker that sleeps for want of work, so it looks again (a policy calls this
  // when it has fibers another worker could take). Safe from any thread.
  void notify_idle_worker() noexcept;

  // The scheduler whose fiber is running on the calling thread, or null.
  static Scheduler* current() noexcept;

 private:
  friend class detail::Worker;
  SchedulerOptions options_;
  SteadyClockSource steady_;
  std::unique_ptr<Reactor> reactor_;
  std::vector<std::unique_ptr<detail::Worker>> workers_;
  std::once_flag blocking_pool_made_;
  std::unique_ptr<BlockingPool> blocking_pool_;  // destroyed first: its jobs may use the rest
  // Fibers waiting for something outside the runtime (WaitRecord::external()).
  std::atomic<std::size_t> external_waits_{0};

  // ---- several workers (see sched/src/mn/) ---------------------------------------
  void run_workers(Fiber& first);
  // Called by worker 0 once the first fiber counts as live: starts workers 1..N-1.
  void start_helpers();
  void stop_helpers() noexcept;
  std::vector<std::thread> helpers_;
  // pin_workers or WEFT_PIN_WORKERS, resolved; and, during a run, the CPUs to pin to.
  bool pin_ = false;
  std::vector<int> pin_cpus_;
  // Wakes one idle worker other than `except` so it steals; safe from any worker.
  void wake_an_idle_worker(const detail::Worker* except) noexcept;
  // Workers with nothing to run (searching or asleep): a busy worker shares its queue
  // while this is not zero.
  std::atomic<std::size_t> idle_workers_{0};
  std::atomic<std::size_t> searching_workers_{0};  // idle workers looking at the rings now
  // A sharer and a worker going to sleep each do a read-modify-write on this between
  // their write and their look at the other's (Worker::share_work, sleep_multi).
  std::atomic<std::uint32_t> share_handshake_{0};
  // The worker blocked in the reactor (the others sleep on their own futex), or null.
  std::atomic<detail::Worker*> reactor_owner_{nullptr};
  // Set by worker 0 when the run is over: the other workers leave their loops.
  std::atomic<bool> done_{false};
};

// Writes the live fibers of the calling thread's scheduler (see Scheduler::dump).
void dump(std::ostream& out);

}  // namespace weft::sched
