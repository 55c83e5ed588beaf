// One worker: a kernel thread that runs fibers. Private to sched.
//
// The worker loop (run) executes on the thread's own stack, represented by thread_fiber_.
// Fibers switch to each other directly; they switch back to the thread context only
// when nothing is ready, and the loop then fires timers, takes wake-ups from other
// threads (the inbox) and takes its idle step: waits in the reactor until the next
// timer or a wake-up, or, when nothing can wake anybody, gives the deadlock verdict
// (worker_idle.cpp).
//
// Every switch leaves a post-switch action (After) that the resumed side carries out:
// requeue the yielding fiber, finish parking the blocking one, or retire the one that
// ended. Doing it after the switch means no other thread can resume a fiber whose
// stack is still in use.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deadlock/deadlock_watch.hpp"
#include "mn/owner_gate.hpp"
#include "mn/parker.hpp"
#include "mn/stealing_policy.hpp"
#include "timer_heap.hpp"
#include "weft/sched/detail/stack.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/policy.hpp"
#include "weft/sched/reactor.hpp"
#include "weft/sched/scheduler.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::sched {

// Kernel-internal access to a Fiber's private fields.
struct FiberAccess {
  static auto& park_state(Fiber& f) noexcept { return f.park_state_; }
  static auto& wait_word(Fiber& f) noexcept { return f.wait_word_; }
  static auto& wake_reason(Fiber& f) noexcept { return f.wake_reason_; }
  static auto& wake_detail(Fiber& f) noexcept { return f.wake_detail_; }
  static auto& cancel_pending(Fiber& f) noexcept { return f.cancel_pending_; }
  static bool& unwinding(Fiber& f) noexcept { return f.unwinding_; }
  static WaitRecord& record(Fiber& f) noexcept { return f.record_; }
  static detail::Worker*& worker(Fiber& f) noexcept { return f.worker_; }
  static auto& join_lock(Fiber& f) noexcept { return f.join_lock_; }
  static WaitQueue& joiners(Fiber& f) noexcept { return f.joiners_; }
  static WaitTicket& taker(Fiber& f) noexcept { return f.taker_; }
  static bool& taker_left(Fiber& f) noexcept { return f.taker_left_; }
  static detail::Worker*& registered_on(Fiber& f) noexcept { return f.registered_on_; }
  static detail::FiberLocalSlots*& locals(Fiber& f) noexcept { return f.locals_; }
  static const detail::Stack& stack(const Fiber& f) noexcept { return f.context_.stack(); }
  static const detail::FiberLocalSlots* locals(const Fiber& f) noexcept { return f.locals_; }
};

}  // namespace weft::sched

namespace weft::sched::detail {

class StuckFibers;

// park_state_ values of a Fiber (see kernel.cpp, unpark).
enum ParkState : std::uint8_t { kRunning = 0, kNotified = 1, kParking = 2, kParked = 3 };

// Page-aligned, so its fields (read on every switch) sit at the start of a page, clear
// of the offsets where stacks push during a switch (see kStackPushZoneBytes): depending
// on where malloc put the worker, spawn+join took 57 or 71 ns on the reference machine.
class alignas(kAliasPageBytes) Worker {
 public:
  // Worker `context.worker` of `scheduler`; its policy comes from the options' factory.
  Worker(Scheduler& scheduler, const PolicyContext& context);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  // The worker of the calling kernel thread, or null. Never cached across a switch: a
  // fiber may resume on another thread.
  static Worker* current() noexcept;
  WEFT_NOINLINE static Worker* current_slow() noexcept;

  Scheduler& scheduler() noexcept { return scheduler_; }
  const Scheduler& scheduler() const noexcept { return scheduler_; }
  std::size_t index() const noexcept { return index_; }
  Fiber* running() const noexcept { return running_; }
  bool on_thread_context() const noexcept { return running_ == &thread_fiber_; }
  Clock& clock() noexcept { return *clock_; }
  TimerHeap& timers() noexcept { return timers_; }

  // The scheduler loop: runs `first` and all it starts until none is left.
  void run(Fiber& first);
  // The loop of workers 1..N-1 (on threads of their own, see Scheduler::run_workers):
  // runs what they steal or are given until the scheduler's run is done.
  void run_helper();

  void start(Fiber& fiber, const StartOptions& options);
  void yield();
  // Switches to a Ready fiber the caller already removed from the policy.
  void preempt_to(Fiber& next) noexcept { switch_to(next, After::Requeue); }
  // Marks every live fiber as unwinding and makes the parked ones runnable.
  void unwind_all() noexcept;
  void unwind_registered_on(Worker& owner) noexcept;
  void adopt_for_unwinding(Fiber& fiber) noexcept;
  // Raw park of the running fiber (permit semantics, see kernel.hpp).
  void park(const WaitRecord& record);
  // Switches away from the running fiber, which has the open claimed wait `epoch` (see
  // wait_word.hpp), unless that wait was claimed meanwhile (also while it spun on the
  // wait with nothing else to run: spin_in_wait). `taken` (from take_to_run)
  // runs next; if the wait was claimed already, it goes back to the front of the queue.
  void park_in_wait(std::uint64_t epoch, Fiber* taken = nullptr);
  // Queues again a fiber from take_to_run that did not run (the wait ended first).
  void give_back(Fiber& taken) noexcept { ready_push(taken, ReadyHint::Handoff); }
  // Removes `fiber` from this worker's queue so the running fiber can switch to it at
  // once (a join of a queued child). Only a fiber queued here: on several workers its
  // fields are not read before it is found there (it may run elsewhere right now).
  bool take_to_run(Fiber& fiber) noexcept {
    return multi_ ? stealing_ && stealing_->take(fiber)
                  : fiber.worker_ == this && !fiber.context_.started() && policy_->take(fiber);
  }
  // The unpark protocol (see kernel.hpp), with a hint for the policy.
  static void unpark(Fiber& fiber, ReadyHint hint) noexcept;
  // Ends a claimed wait (see wait_word.hpp), with a hint for the policy.
  static void wake(WaitTicket ticket, ReadyHint hint) noexcept;
  // Asks this worker to run `fiber` again, from any thread: its raw park ended
  // (epoch kRawPark), or its claimed wait `epoch` was claimed.
  static constexpr std::uint64_t kRawPark = 0;
  void make_ready(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept;

  // One line per live fiber. With `stuck` (a deadlock report), a lock's holder too.
  void dump(std::ostream& out, const StuckFibers* stuck = nullptr) const;
  std::size_t ready_count() const noexcept { return policy_->ready_count(); }
  WorkerStats stats() const noexcept {
    return {index_, tick_.load(std::memory_order_relaxed), wakeups_.load(std::memory_order_relaxed),
            idle_waits_.load(std::memory_order_relaxed), ready_count(),
            steals_.load(std::memory_order_relaxed), shared_.load(std::memory_order_relaxed),
            parks_.load(std::memory_order_relaxed), pinned_cpu_.load(std::memory_order_relaxed)};
  }
  // Fibers started on / retired by this worker. Written only by the worker's thread.
  std::size_t started() const noexcept { return started_.load(std::memory_order_acquire); }
  std::size_t retired() const noexcept { return retired_.load(std::memory_order_acquire); }

  // For the stall monitor (stall_monitor.hpp), from its thread.
  std::uint32_t progress() const noexcept { return tick_.load(std::memory_order_relaxed); }
  bool waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
  // While this worker is stuck in a fiber: gives the fibers queued here and the
  // wake-ups posted here, except those pinned here, to `takers` in turn; returns how
  // many. Any thread, one at a time (the stall monitor's).
  std::size_t hand_off_to(const std::vector<Worker*>& takers) noexcept;
  // Unlinks the fibers started here that ended elsewhere and drops the runtime's
  // references to them. This worker's thread, or any once the run's threads are joined.
  void forget_ended_elsewhere() noexcept;
  // The name and id of the fiber running here, if the worker is still at `progress`
  // (read under the registry lock, so the fiber cannot be freed meanwhile).
  std::optional<std::string> describe_running_at(std::uint32_t progress) const;

  // For StuckRegistry (global deadlock across runtimes).
  void set_stuck(bool stuck) noexcept { stuck_.store(stuck, std::memory_order_seq_cst); }
  bool has_inbox_work() const noexcept { return inbox_nonempty_.load(std::memory_order_seq_cst); }
  // Wakes this worker if it sleeps for want of work (in the reactor or, with several
  // workers, on its parker); otherwise its next sleep returns at once. Any thread.
  void wake_idle() noexcept {
    if (multi_) {
      parker_.unpark();
      if (scheduler_.reactor_owner_.load(std::memory_order_seq_cst) != this) return;
    }
    reactor_.wake();
  }
  // With several workers: true while it sleeps for want of work (wake_an_idle_worker).
  bool asleep() const noexcept { return asleep_.load(std::memory_order_seq_cst); }
  bool has_shared_work() const noexcept { return stealing_ && stealing_->has_shared(); }

  // Stack-overflow reporting reads these from the signal handler.
  static const Fiber* running_fiber_for_signal() noexcept;
  // The fiber run() started with (it was not spawned: its stack size is the runtime's).
  static const Fiber* first_fiber_for_signal() noexcept;

 private:
  enum class After : std::uint8_t { None, Requeue, RequeueFront, Park, Exit };

  class ThreadFiber;

  void loop(Fiber* first);
  bool run_is_over() const noexcept;
  void switch_to(Fiber& next, After action) noexcept;
  __attribute__((always_inline)) void finish_switch() noexcept;
  Fiber& next_or_thread() noexcept;
  void maintenance() noexcept;
  // On the switch path: timers and cross-thread wake-ups every 64 switches (reading the
  // clock on every switch would cost more than the switch) and whenever the queue runs
  // dry; every 64 switches fd readiness too, without blocking, so a busy run queue never
  // starves I/O (an idle worker waits for it in idle_step()). Inline: it is on every yield.
  __attribute__((always_inline)) void maintenance_between_switches() noexcept {
    if ((next_tick() & 63) == 0) [[unlikely]]
      periodic_maintenance();
    else if (!ready_any())
      maintenance();
  }
  void periodic_maintenance() noexcept;  // maintenance() and a non-blocking fd poll
  // The loop's step when no fiber is ready (worker_idle.cpp): moves virtual time on,
  // waits in the reactor, or gives the deadlock verdict.
  void idle_step();
  void wait_in_reactor(std::optional<Duration> timeout) noexcept;
  // Sleeps until a wake-up or `timeout`: in the reactor, or, with several workers, on
  // its parker while another worker waits in the reactor.
  void sleep_idle(std::optional<Duration> timeout) noexcept;

  // ---- several workers (mn/worker_mn.cpp) ----
  // The idle step when the scheduler has several workers: steal, else sleep.
  void idle_step_multi();
  bool steal_some() noexcept;
  // Before the running fiber switches out of its open claimed wait `epoch` with
  // nothing else to run here: watches the wait word a moment instead (a wake-up from
  // another worker often follows within a microsecond or two: a round trip between
  // fibers on two workers). A claim meanwhile costs its claimer no post to the inbox,
  // and this worker no switch. False if the wait is still open (the caller parks), true
  // if it was claimed or is being claimed.
  WEFT_NOINLINE bool spin_in_wait(std::uint64_t epoch) noexcept;
  bool any_shared_work() const noexcept;
  void sleep_multi(std::optional<Duration> timeout) noexcept;
  // Offers the older half of this worker's queue to idle workers, and wakes one.
  WEFT_NOINLINE void share_work() noexcept;
  bool nothing_can_wake() const noexcept;
  void deadlock_verdict();
  void drain_inbox() noexcept;
  // From another thread, holding inbox_lock_: hands a wake-up to this worker's inbox and
  // wakes the worker. The caller has taken a reference to `fiber` for the entry;
  // draining releases it. Once the entry is visible the worker may finish its run, so
  // posters touch the worker only while they hold the lock (run() takes it last).
  void post_locked(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept;
  // wake() of a fiber that sleeps on `worker`, from another thread.
  WEFT_NOINLINE static void wake_remote(WaitTicket ticket, ReadyHint hint, Worker& worker) noexcept;
  // On this worker's thread: queues a woken fiber, unless the wake-up is stale (the
  // fiber never switched out for that wait, or already runs again). True if queued.
  bool enqueue_woken(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept;
  // Takes a stack from the pool and prepares the first switch into `fiber`.
  void create_context(Fiber& fiber) noexcept;
  Context& retire_running() noexcept;
  void wake_joiners(Fiber& fiber) noexcept;
  void register_fiber(Fiber& fiber) noexcept;
  // Takes an ended fiber off its registry and drops the runtime's reference to it. One
  // that started on another worker goes on that worker's ended_elsewhere_ list, for it
  // to unlink (forget_ended_elsewhere): two workers never share a lock for this.
  void forget_ended(Fiber& fiber) noexcept;
  void unlink_from_registry(Fiber& fiber) noexcept;  // the gate is entered or open
  // `alone`: no other runtime was running when the deadlock was declared.
  void handle_deadlock(bool alone);
  std::vector<const Fiber*> parked_fibers() const;
  static Context& fiber_entry(void* arg) noexcept;

  // The policy, called directly (inlined) when it is the default FIFO (one worker).
  // With several workers, a push while some worker is idle shares work with it, unless
  // work shared before is still there to steal: topping the ring up at every push moved
  // the children that parents were about to run at once (join) out of reach, and each
  // such parent then blocked on its stack while the worker started other fibers
  // (skynet on 2 workers: ~1,200 stacks at once instead of ~330, and 10% slower).
  WEFT_ALWAYS_INLINE void ready_push(Fiber& fiber, ReadyHint hint) noexcept {
    if (fifo_) {
      fifo_->awakened(fiber, hint);
      return;
    }
    policy_->awakened(fiber, hint);
    if (stealing_ && scheduler_.idle_workers_.load(std::memory_order_relaxed) != 0 && !stealing_->has_shared())
      share_work();
  }
  Fiber* ready_pick() noexcept { return fifo_ ? fifo_->pick_next() : policy_->pick_next(); }
  bool ready_any() const noexcept { return fifo_ ? fifo_->has_ready() : policy_->has_ready(); }

  Scheduler& scheduler_;
  Reactor& reactor_;  // the scheduler's, shared by its workers
  Clock* clock_;
  std::size_t index_;
  FifoPolicy builtin_fifo_;  // the default policy, inside the worker for the same reason
  std::unique_ptr<SchedulingPolicy> custom_policy_;  // from SchedulerOptions::policy, if given
  SchedulingPolicy* policy_;
  FifoPolicy* fifo_;  // policy_ when it is a FifoPolicy: called directly
  const bool multi_;  // the scheduler has several workers
  StealingPolicy* stealing_;  // policy_ when it is the M:N default: fibers can be stolen
  alignas(64) Parker parker_;  // where it sleeps while another worker waits in the reactor
  std::atomic<bool> asleep_{false};
  alignas(64) std::uint32_t victim_seed_;  // where a search for work starts
  std::unique_ptr<ThreadFiber> thread_fiber_owner_;
  Fiber& thread_fiber_;
  Fiber* running_;
  std::atomic<const Fiber*> on_cpu_{nullptr};  // running_, for the stall monitor's thread
  StackPool stacks_;
  TimerHeap timers_;
  // Counts switches (nearly every one passes maintenance_between_switches or
  // park_in_wait). Atomic only for the stall monitor's reads from its thread: written by
  // this worker alone, so a relaxed load and store, as cheap as a plain increment.
  std::atomic<std::uint32_t> tick_{0};
  std::uint32_t next_tick() noexcept {
    const std::uint32_t t = tick_.load(std::memory_order_relaxed) + 1;
    tick_.store(t, std::memory_order_relaxed);
    return t;
  }
  // True while the worker waits in the reactor (or gives up): not a stall.
  std::atomic<bool> waiting_{false};
  std::atomic<std::size_t> started_{0};
  std::atomic<std::size_t> retired_{0};

  // This thread's exception state in the C++ runtime (Itanium ABI __cxa_eh_globals),
  // swapped on every switch so each fiber keeps its own.
  Fiber::ExceptionState* eh_globals_ = nullptr;
  void swap_exception_state(Fiber& from, Fiber& to) noexcept {
    from.exceptions_ = *eh_globals_;
    *eh_globals_ = to.exceptions_;
  }

  // Post-switch note, written by the switcher, carried out by the resumed side.
  Fiber* switch_from_ = nullptr;
  After after_ = After::None;

  // Wake-ups from other threads.
  // Not intrusive: a stale wake-up may sit here while the fiber is in a run queue.
  struct Wakeup {
    Fiber* fiber;
    std::uint64_t epoch;
    ReadyHint hint;
  };
  std::vector<Wakeup> inbox_spare_;  // swapped with inbox_ when draining: no allocation
  // Under inbox_lock_: takes every posted wake-up, the oldest to `first` (null fiber if
  // none), the others to the empty `rest` (by a swap: no allocation under the lock).
  void take_posted_locked(Wakeup& first, std::vector<Wakeup>& rest) noexcept;
  // Other threads write these: a cache line of their own, apart from the owner's. The
  // oldest wake-up is kept in the line itself, so that posting one to an empty inbox
  // and draining it move this line only (a round trip between two workers posts one
  // per hop, and each other line costs a transfer between cores).
  alignas(64) detail::PlainSpinLock inbox_lock_;  // cross-thread by nature: never biased
  std::atomic<bool> inbox_nonempty_{false};
  std::atomic<bool> stuck_{false};  // registered in StuckRegistry
  Wakeup inbox_first_{};  // the oldest posted wake-up (null fiber: none)
  std::vector<Wakeup> inbox_;  // the ones posted after inbox_first_

  // Every live fiber started here, for dump() and deadlock reports (fibers in state Done
  // wait on ended_elsewhere_ to be unlinked: readers skip them). This worker enters the
  // gate to link and unlink; readers on other threads open it.
  alignas(64) mutable OwnerGate registry_gate_;
  Fiber* registry_head_ = nullptr;
  // Fibers started here that ended on other workers (a stack through ended_next_).
  alignas(64) std::atomic<Fiber*> ended_elsewhere_{nullptr};

  // Fibers woken here from other threads (through the inbox, see drain_inbox). Atomic
  // for stats() from other threads; written by this worker alone.
  std::atomic<std::uint64_t> wakeups_{0};
  std::atomic<std::uint64_t> idle_waits_{0};
  std::atomic<std::uint64_t> steals_{0};
  std::atomic<std::uint64_t> shared_{0};
  std::atomic<std::uint64_t> parks_{0};
  std::atomic<int> pinned_cpu_{-1};  // this run's (pin_workers), or -1
  DeadlockWatch deadlock_watch_;

  bool shutting_down_ = false;
  const Fiber* first_ = nullptr;  // the fiber run() started with, while it runs
  std::vector<Fiber*> unwound_;  // kept alive until run() ends (see unwind_all)
  std::string deadlock_report_;
};

}  // namespace weft::sched::detail

extern "C" {
extern constinit thread_local weft::sched::detail::Worker* weft_worker_tls WEFT_TLS_FAST;
}

namespace weft::sched::detail {
inline Worker* Worker::current() noexcept {
#ifdef WEFT_HAVE_TLS_ASM
  return WEFT_TLS_READ(Worker*, weft_worker_tls);
#else
  return current_slow();
#endif
}
}  // namespace weft::sched::detail
