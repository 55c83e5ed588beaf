// weft::Runtime and weft::run: the scheduler that runs fibers, as a user meets it.
#pragma once

#include <string>
#include <utility>

#include "weft/errors.hpp"
#include "weft/sched/scheduler.hpp"
#include "weft/spawn.hpp"
#include "weft/time.hpp"

namespace weft {

// How a runtime runs (every field has a default; see weft/sched/scheduler.hpp):
//   workers           kernel threads that run fibers (WEFT_WORKERS, else one per
//                     CPU the process may use; 1 = cooperative on the calling thread)
//   pin_workers       bind worker i to the i-th CPU the caller may use for the run
//                     (WEFT_PIN_WORKERS=1; off by default)
//   stack_size        usable bytes of a fiber's stack (64 KiB; at least 16 KiB)
//   stack_pool_bytes  released stack bytes kept for reuse per worker
//   detect_deadlock   throw DeadlockError when every fiber blocks for good (true)
//   policy            makes each worker's scheduling policy (default: FIFO with hand-off)
//   reactor           makes the Reactor idle workers wait in and fd readiness comes from
//                     (default: make_default_reactor(): epoll, or WEFT_REACTOR)
//   clock             a Clock for timers, e.g. a VirtualClock (default: the steady clock)
//   blocking_threads, blocking_idle_timeout
//                     the blocking pool of weft::blocking (64 threads at most; an idle
//                     thread exits after 10 s)
//   stall_threshold, on_stall
//                     report a worker held by one fiber this long (1 s; 0: off), to
//                     on_stall or stderr
using RuntimeOptions = sched::SchedulerOptions;

// A runtime that runs fibers on the calling thread and, with several workers, on threads
// it starts for the length of each run(). Reusable: run() may be called again.
class Runtime {
 public:
  explicit Runtime(RuntimeOptions options = {}) : impl_(std::move(options)) {}

  // Runs `fn` as the first fiber and returns its result (or rethrows its exception)
  // once every fiber started meanwhile has finished too. Throws DeadlockError when all
  // remaining fibers block forever (they are unwound first).
  template <class F>
  auto run(F&& fn, std::string name = "main") -> detail::SpawnResult<F> {
    auto* fiber = detail::make_task(std::forward<F>(fn), std::move(name));
    JoinHandle<detail::SpawnResult<F>> handle(fiber);
    impl_.run(*fiber);
    return handle.take_finished();
  }

  // The kernel object underneath, for code that builds on the kernel (weft/sched/).
  sched::Scheduler& scheduler() noexcept { return impl_; }

 private:
  sched::Scheduler impl_;
};

// Runs `fn` on a fresh runtime (see Runtime::run).
template <class F>
auto run(F&& fn, RuntimeOptions options = {}) -> detail::SpawnResult<F> {
  Runtime runtime(std::move(options));
  return runtime.run(std::forward<F>(fn));
}

}  // namespace weft
