// weft::Barrier: a reusable rendezvous of a fixed number of fibers, phase after phase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft {

// Each phase ends when `parties` fibers have arrived. The last to arrive runs the
// completion function (if any) before any waiter is released, and its arrive_and_wait()
// returns true: exactly one "serial" fiber per phase, as in Python's Barrier.wait() == 0.
// Then the barrier resets for the next phase. Everything done before arriving happens
// before everything done after any fiber of the same phase leaves. Usable from fibers on
// any thread. Precondition: at most `parties` fibers take part in one phase.
// There is no timed wait: a participant that gave up would leave the others waiting for
// a phase that can never complete (use Latch or WaitGroup with a timeout instead).
class Barrier {
 public:
  // Throws UsageError if `parties` is 0.
  explicit Barrier(std::size_t parties, std::function<void()> completion = {});
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  // Precondition: no fiber waits on it.
  ~Barrier();

  // Arrives and blocks until the phase completes; returns true in the one fiber that
  // completed it. If the completion function throws, the phase still completes and the
  // exception propagates from that fiber's call. Throws Cancelled if the fiber is
  // cancelled while waiting: its arrival is withdrawn unless the phase was already
  // completing. A fiber that arrives while the completion function runs arrives for the
  // next phase. Throws UsageError outside a fiber.
  bool arrive_and_wait();
  // Arrives for this phase and leaves: from the next phase on, one fewer fiber is
  // expected. Never blocks; may complete the phase (running the completion in this
  // fiber). While the completion function runs, the drop counts from the next phase
  // on. Throws UsageError when no party is left to drop.
  void arrive_and_drop();

  // The number of fibers a phase expects, and how many phases completed (snapshots).
  std::size_t parties() const noexcept;
  std::uint64_t phase() const noexcept;

 private:
  void complete_phase(std::unique_lock<sched::detail::SpinLock>& guard);

  mutable sched::detail::SpinLock lock_;
  std::size_t parties_;
  std::size_t arrived_ = 0;
  std::uint64_t phase_ = 0;
  bool completing_ = false;  // the completion function of this phase is running
  std::function<void()> completion_;
  sched::WaitQueue waiters_;
};

}  // namespace weft
