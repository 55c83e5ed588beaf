// One worker (see worker.hpp): the loop, switching, starting, parking and waking fibers.
#include "worker.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <exception>
#include <mutex>
#include <ostream>
#include <utility>
#include <vector>

#include "memory/overflow_guard.hpp"
#include "deadlock/deadlock_report.hpp"
#include "deadlock/stuck_registry.hpp"
#include "mn/cpu_pin.hpp"
#include "stall/stall_monitor.hpp"
#include "wait_word.hpp"
#include "weft/sched/detail/fiber_locals.hpp"
#include "weft/sched/errors.hpp"

extern "C" {
__attribute__((used)) constinit thread_local weft::sched::detail::Worker* weft_worker_tls WEFT_TLS_FAST =
    nullptr;
}

namespace weft::sched::detail {


// The kernel thread's own stack, seen as a fiber so switches are uniform.
class Worker::ThreadFiber final : public Fiber {
 public:
  ThreadFiber() : Fiber("(scheduler)", 1, /*thread_context=*/true) {}
  void run() noexcept override {}
  void destroy() noexcept override {}  // owned by the worker
};

namespace {
// The policy of a worker: the options' factory, else FIFO on one worker and
// work stealing on several.
std::unique_ptr<SchedulingPolicy> make_policy(const SchedulerOptions& options, const PolicyContext& context) {
  if (options.policy) return options.policy(context);
  if (context.workers > 1) return std::make_unique<StealingPolicy>();
  return nullptr;  // the worker's built-in FifoPolicy
}
}  // namespace

Worker::Worker(Scheduler& scheduler, const PolicyContext& context)
    : scheduler_(scheduler),
      reactor_(*scheduler.reactor_),
      clock_(scheduler.options_.clock ? scheduler.options_.clock : &scheduler.steady_),
      index_(context.worker),
      custom_policy_(make_policy(scheduler.options_, context)),
      policy_(custom_policy_ ? custom_policy_.get() : &builtin_fifo_),
      fifo_(dynamic_cast<FifoPolicy*>(policy_)),
      multi_(context.workers > 1),
      stealing_(dynamic_cast<StealingPolicy*>(policy_)),
      victim_seed_(static_cast<std::uint32_t>(context.worker) * 2654435761u + 1),
      thread_fiber_owner_(std::make_unique<ThreadFiber>()),
      thread_fiber_(*thread_fiber_owner_),
      running_(&thread_fiber_),
      stacks_(scheduler.options_.stack_pool_bytes) {
  thread_fiber_.context_.adopt_thread();  // again in loop(), on the thread that runs it
  thread_fiber_.worker_ = this;
}

Worker::~Worker() = default;

Worker* Worker::current_slow() noexcept { return weft_worker_tls; }

const Fiber* Worker::running_fiber_for_signal() noexcept {
  Worker* w = current();
  return w ? w->running_ : nullptr;
}

const Fiber* Worker::first_fiber_for_signal() noexcept {
  Worker* w = current();
  return w ? w->first_ : nullptr;
}

// ---- the loop ----------------------------------------------------------------------

void Worker::run(Fiber& first) {
  if (weft_worker_tls != nullptr) {
    first.release();  // the runtime's reference: it will never run
    throw UsageError("weft::Runtime::run: this thread is already running a weft runtime");
  }
  loop(&first);
  if (!deadlock_report_.empty()) throw DeadlockError(deadlock_report_);
}

void Worker::run_helper() { loop(nullptr); }

bool Worker::run_is_over() const noexcept {
  // With several workers, worker 0 ends the run (Scheduler::run_workers) and the others
  // follow; one that sees the last fiber gone wakes worker 0 (idle_step_multi).
  if (multi_ && index_ != 0) return scheduler_.done_.load(std::memory_order_acquire);
  return scheduler_.live_fibers() == 0;
}

void Worker::loop(Fiber* first) {
  weft_worker_tls = this;
  // The thread that runs the loop (a helper's own, or whichever called run()) is the
  // one sanitizers must know as this worker's thread context.
  thread_fiber_.context_.adopt_thread();
  eh_globals_ = reinterpret_cast<Fiber::ExceptionState*>(abi::__cxa_get_globals());
  install_overflow_guard();  // alternate signal stack of this thread for overflow reports
  // A runtime on a virtual clock (the checker) is a world of its own: it gives its
  // deadlock verdict alone (see deadlock_verdict), so it stays out of the process-wide
  // registry, whose lock exploring threads would otherwise share on every run.
  // Workers 1..N-1 are members from before their threads start (Scheduler::
  // start_helpers): until it runs, a helper must not look stuck-free to the others.
  std::optional<StuckRegistry::Membership> membership;
  if (!clock_->is_virtual() && index_ == 0) membership.emplace(*this);
  std::optional<StallMonitor::Watch> stall_watch;
  if (!clock_->is_virtual() && scheduler_.options_.stall_threshold > Duration::zero()) stall_watch.emplace(*this);
  shutting_down_ = false;
  tick_.store(0, std::memory_order_relaxed);  // a reused runtime looks at its timers after the same switches as a fresh one
  wakeups_.store(0, std::memory_order_relaxed);  // stats() count from run()'s start
  idle_waits_.store(0, std::memory_order_relaxed);
  steals_.store(0, std::memory_order_relaxed);
  shared_.store(0, std::memory_order_relaxed);
  parks_.store(0, std::memory_order_relaxed);
  deadlock_report_.clear();
  if (first) {
    first_ = first;
    start(*first, {});
    if (multi_) scheduler_.start_helpers();  // once `first` counts as live
  }
  // Bound last, so that the threads started above (the helpers, the stall monitor) do
  // not inherit this worker's one CPU. Worker 0's thread (the caller's) is unbound again
  // when the run ends.
  std::optional<CpuPin> pin;
  if (!scheduler_.pin_cpus_.empty()) pin.emplace(scheduler_.pin_cpus_, index_);
  pinned_cpu_.store(pin ? pin->cpu() : -1, std::memory_order_relaxed);

  for (;;) {
    maintenance();  // wake-ups posted by other threads, due timers
    if (Fiber* next = ready_pick()) {
      deadlock_watch_.clear();
      switch_to(*next, After::None);  // back here only when every fiber blocks or ends
      continue;
    }
    if (run_is_over()) break;
    if (multi_)
      idle_step_multi();  // steal, or sleep
    else
      idle_step();  // virtual time, the reactor's wait, or the deadlock verdict
  }

  shutting_down_ = true;
  // Wait for wake-ups still being posted from other threads (they hold the inbox lock
  // until they no longer touch this worker) and drop the stale ones.
  drain_inbox();
  for (Fiber* f : unwound_) f->release();
  unwound_.clear();
  first_ = nullptr;
  weft_worker_tls = nullptr;
}

void Worker::maintenance() noexcept {
  if (inbox_nonempty_.load(std::memory_order_acquire)) drain_inbox();
  if (ended_elsewhere_.load(std::memory_order_relaxed)) forget_ended_elsewhere();
  if (!timers_.empty()) timers_.fire_due(clock_->now());
}

void Worker::periodic_maintenance() noexcept {
  maintenance();
  if (reactor_.has_armed()) reactor_.wait(Duration::zero());
}

Fiber& Worker::next_or_thread() noexcept {
  maintenance_between_switches();
  if (Fiber* next = ready_pick()) return *next;
  return thread_fiber_;
}

// ---- switching ---------------------------------------------------------------------

void Worker::create_context(Fiber& fiber) noexcept {
  std::size_t size = fiber.stack_size_ ? fiber.stack_size_ : scheduler_.options_.stack_size;
#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
  size *= 4;  // sanitizer instrumentation needs several times the stack
#endif
  try {
    fiber.context_.create(stacks_, stacks_.acquire(size), &Worker::fiber_entry, &fiber);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft: cannot allocate a %zu-byte stack for fiber #%llu '%s': %s\n",
                 size, static_cast<unsigned long long>(fiber.id_), fiber.name_.c_str(), e.what());
    std::abort();
  }
}

// Inlined into switch_to: it runs after every switch.
inline void Worker::finish_switch() noexcept {
  Fiber& prev = *switch_from_;
  switch (after_) {
    case After::None:
      break;
    case After::Requeue:
    case After::RequeueFront:
      prev.state_.store(FiberState::Ready, std::memory_order_relaxed);
      ready_push(prev, after_ == After::Requeue ? ReadyHint::Normal : ReadyHint::Handoff);
      break;
    case After::Park: {
      std::uint8_t expected = kParking;
      if (!prev.park_state_.compare_exchange_strong(expected, kParked, std::memory_order_acq_rel)) {
        // Unparked while it was switching out: it is runnable right away. The permit is
        // taken with a read-modify-write (see Worker::park).
        prev.park_state_.exchange(kRunning, std::memory_order_seq_cst);
        prev.state_.store(FiberState::Ready, std::memory_order_relaxed);
        ready_push(prev, ReadyHint::Normal);
      }
      break;
    }
    case After::Exit:
      forget_ended(prev);
      retired_.store(retired_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      break;
  }
  after_ = After::None;
}

void Worker::switch_to(Fiber& next, After action) noexcept {
  Fiber* from = running_;
  if (!next.context_.started()) create_context(next);
  switch_from_ = from;
  after_ = action;
  running_ = &next;
  on_cpu_.store(&next, std::memory_order_relaxed);
  next.worker_ = this;
  next.state_.store(FiberState::Running, std::memory_order_relaxed);
  swap_exception_state(*from, next);
  Context::switch_to(from->context_, next.context_);
  // Resumed, maybe by another worker: finish what the switcher left to do.
  Worker::current()->finish_switch();
}


Context& Worker::fiber_entry(void* arg) noexcept {
  Worker::current()->finish_switch();
  Fiber* self = static_cast<Fiber*>(arg);
  hb_acquire(self);  // everything before the spawn happens before the body
  self->run();
  if (Instrumentation* hooks = detail::instrumentation()) hooks->on_fiber_exit(*self);
  return Worker::current()->retire_running();
}

Context& Worker::retire_running() noexcept {
  Fiber& self = *running_;
  if (self.locals_) {
    delete self.locals_;  // fiber-local destructors run on the fiber, before it is Done
    self.locals_ = nullptr;
  }
  wake_joiners(self);
  self.context_.return_stack_to(stacks_);  // it may have started on another worker
  Fiber& next = next_or_thread();
  if (!next.context_.started()) create_context(next);
  switch_from_ = &self;
  after_ = After::Exit;
  running_ = &next;
  on_cpu_.store(&next, std::memory_order_relaxed);
  next.worker_ = this;
  next.state_.store(FiberState::Running, std::memory_order_relaxed);
  swap_exception_state(self, next);
  return next.context_;
}

void Worker::wake_joiners(Fiber& fiber) noexcept {
  detail::SpinGuard guard(fiber.join_lock_);
  fiber.state_.store(FiberState::Done, std::memory_order_release);
  hb_release(&fiber);
  ReadyHint hint = ReadyHint::Handoff;  // the first joiner runs next: it waited for us
  WaitTicket taker = fiber.taker_left_ ? WaitTicket{} : fiber.taker_;
  for (;;) {  // the taker, then the others (one call site each: they stay inlined)
    WaitTicket ticket = taker;
    if (taker.fiber)
      taker.fiber = nullptr;
    else if (Waiter* w = fiber.joiners_.pop_front())
      ticket = w->ticket;
    else
      break;
    if (!try_claim(ticket, WakeReason::Notified)) continue;
    wake(ticket, hint);
    hint = ReadyHint::Normal;
  }
}

// ---- starting, yielding, parking ---------------------------------------------------

void Worker::start(Fiber& fiber, const StartOptions& options) {
  if (shutting_down_) {
    fiber.release();
    throw UsageError("weft::spawn: the runtime is shutting down");
  }
  fiber.worker_ = this;
  if (options.stack_size) fiber.stack_size_ = options.stack_size;
  if (options.worker) {
    if (*options.worker >= scheduler_.workers_.size()) {
      fiber.release();
      throw UsageError("weft::spawn_on: worker " + std::to_string(*options.worker) + " does not exist (this runtime has " +
                       std::to_string(scheduler_.workers_.size()) + ")");
    }
    fiber.run_link().pinned = true;
    fiber.worker_ = scheduler_.workers_[*options.worker].get();
  }
  register_fiber(fiber);
  started_.store(started_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  if (fiber.worker_ != this) {  // pinned elsewhere: its worker queues it from its inbox
    fiber.state_.store(FiberState::Ready, std::memory_order_relaxed);
    fiber.worker_->make_ready(fiber, ReadyHint::Normal, kRawPark);
    return;
  }
  if (options.launch == Launch::Dispatch && !on_thread_context()) {
    switch_to(fiber, After::RequeueFront);
    return;
  }
  fiber.state_.store(FiberState::Ready, std::memory_order_relaxed);
  ready_push(fiber, ReadyHint::Normal);
}

void Worker::yield() {
  maintenance_between_switches();
  Fiber* next = ready_pick();
  if (next == nullptr) return;
  switch_to(*next, After::Requeue);
}

void Worker::park(const WaitRecord& record) {
  Fiber& self = *running_;
  std::uint8_t expected = kRunning;
  if (!self.park_state_.compare_exchange_strong(expected, kParking, std::memory_order_acq_rel)) {
    // Take the permit with a read-modify-write, not a plain store: an unparker that
    // still sees the permit returns at once (unpark), so the caller's next look at its
    // condition must come after that unparker's write of it. A store could wait in this
    // core's store buffer while the look reads the old condition; the caller would
    // then park for good.
    self.park_state_.exchange(kRunning, std::memory_order_seq_cst);
    return;
  }
  self.record_ = record;
  self.state_.store(FiberState::Parked, std::memory_order_relaxed);
  const bool external = record.external();
  Scheduler& scheduler = scheduler_;
  if (external) scheduler.external_waits_.fetch_add(1, std::memory_order_acq_rel);
  switch_to(next_or_thread(), After::Park);
  if (external) scheduler.external_waits_.fetch_sub(1, std::memory_order_acq_rel);
  self.record_ = WaitRecord{};
}

void Worker::park_in_wait(std::uint64_t epoch, Fiber* taken) {
  Fiber& self = *running_;
  // Timers and wake-ups from other threads may end this very wait: look first. With
  // several workers and nothing else to run, watch the wait a moment before parking.
  if ((next_tick() & 63) == 0 || (!taken && !ready_any())) {
    maintenance();
    if (multi_ && !taken && spin_in_wait(epoch)) return;  // claimed: the caller sees it
  }
  if (!wait_word::is_waiting(self.wait_word_.load(std::memory_order_acquire))) {
    if (taken) ready_push(*taken, ReadyHint::Handoff);
    return;
  }
  self.state_.store(FiberState::Parked, std::memory_order_relaxed);
  const bool external = self.record_.external();
  Scheduler& scheduler = scheduler_;
  if (external) scheduler.external_waits_.fetch_add(1, std::memory_order_acq_rel);
  // From here on a claim of this wait finds it asleep: claimers on this thread run only
  // once it has switched out, and the ones on other threads go through the inbox,
  // which only this thread drains.
  self.sleep_epoch_.store(epoch, std::memory_order_relaxed);
  Fiber* next = taken ? taken : ready_pick();
  switch_to(next ? *next : thread_fiber_, After::None);
  if (external) scheduler.external_waits_.fetch_sub(1, std::memory_order_acq_rel);
}

void Worker::unpark(Fiber& fiber, ReadyHint hint) noexcept {
  // Sequentially consistent: it pairs with the caller's write of the condition before
  // and with the parker's taking of a permit (Worker::park).
  std::uint8_t s = fiber.park_state_.load(std::memory_order_seq_cst);
  for (;;) {
    if (s == kNotified) return;  // a permit is already pending
    if (s == kParked) {
      if (fiber.park_state_.compare_exchange_weak(s, kRunning, std::memory_order_acq_rel)) {
        fiber.worker_->make_ready(fiber, hint, kRawPark);
        return;
      }
    } else if (fiber.park_state_.compare_exchange_weak(s, kNotified, std::memory_order_acq_rel)) {
      return;  // Running: the next park returns at once; Parking: finish_switch requeues it
    }
  }
}

void Worker::wake(WaitTicket ticket, ReadyHint hint) noexcept {
  Fiber& fiber = *ticket.fiber;
  // Read before publishing: once claimed, the fiber may run on, migrate or end.
  Worker* worker = fiber.worker_;
  if (WEFT_UNLIKELY(current() != worker)) {
    wake_remote(ticket, hint, *worker);
    return;
  }
  fiber.wait_word_.store(wait_word::make(ticket.epoch, wait_word::kClaimed), std::memory_order_release);
  worker->enqueue_woken(fiber, hint, ticket.epoch);
}

void Worker::wake_remote(WaitTicket ticket, ReadyHint hint, Worker& worker) noexcept {
  Fiber& fiber = *ticket.fiber;
  // A fiber spinning in its wait (spin_in_wait) runs on its worker's thread, so only a
  // claimer on another thread can have claimed it: the store is the whole wake-up.
  if (wait_word::state_of(fiber.wait_word_.load(std::memory_order_relaxed)) == wait_word::kClaimingSpinner) {
    fiber.wait_word_.store(wait_word::make(ticket.epoch, wait_word::kClaimed), std::memory_order_release);
    return;
  }
  fiber.retain();  // the inbox entry may outlive the wait (see post_locked)
  // Publish under the inbox lock: a fiber that sees the claim before it sleeps runs on
  // and may end its worker's run, which then waits for this lock (see run()).
  detail::SpinGuard guard(worker.inbox_lock_);
  fiber.wait_word_.store(wait_word::make(ticket.epoch, wait_word::kClaimed), std::memory_order_release);
  worker.post_locked(fiber, hint, ticket.epoch);
}

void Worker::make_ready(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept {
  if (current() == this) {
    enqueue_woken(fiber, hint, epoch);
    return;
  }
  fiber.retain();
  detail::SpinGuard guard(inbox_lock_);
  post_locked(fiber, hint, epoch);
}

void Worker::post_locked(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept {
  if (inbox_first_.fiber == nullptr) {
    inbox_first_ = Wakeup{&fiber, epoch, hint};
  } else {
    inbox_.push_back(Wakeup{&fiber, epoch, hint});  // capacity is kept: rarely allocates
  }
  inbox_nonempty_.store(true, std::memory_order_seq_cst);
  if (stuck_.load(std::memory_order_seq_cst)) StuckRegistry::instance().revive(*this);
  wake_idle();
}

bool Worker::enqueue_woken(Fiber& fiber, ReadyHint hint, std::uint64_t epoch) noexcept {
  if (epoch != kRawPark) {
    // Only a fiber asleep in that very wait is queued; otherwise it saw the claim
    // before switching out and went on (it may even be running right now).
    if (fiber.sleep_epoch_.load(std::memory_order_relaxed) != epoch) return false;
    fiber.sleep_epoch_.store(0, std::memory_order_relaxed);
  }
  fiber.state_.store(FiberState::Ready, std::memory_order_relaxed);
  ready_push(fiber, hint);
  return true;
}

void Worker::drain_inbox() noexcept {
  Wakeup first{};
  {
    detail::SpinGuard guard(inbox_lock_);
    take_posted_locked(first, inbox_spare_);
  }
  auto deliver = [this](const Wakeup& w) {
    if (enqueue_woken(*w.fiber, w.hint, w.epoch))  // a wake-up from another thread: counted
      wakeups_.store(wakeups_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    w.fiber->release();  // the reference the poster took: a stale entry may hold the last one
  };
  if (first.fiber) deliver(first);
  for (const Wakeup& w : inbox_spare_) deliver(w);
  inbox_spare_.clear();
}

void Worker::take_posted_locked(Wakeup& first, std::vector<Wakeup>& rest) noexcept {
  first = std::exchange(inbox_first_, Wakeup{});
  rest.swap(inbox_);
  inbox_nonempty_.store(false, std::memory_order_relaxed);
}

// ---- registry, dump, unwinding ------------------------------------------------------

void Worker::register_fiber(Fiber& fiber) noexcept {
  fiber.registered_on_ = this;
  registry_gate_.enter();
  fiber.registry_prev_ = nullptr;
  fiber.registry_next_ = registry_head_;
  if (registry_head_) registry_head_->registry_prev_ = &fiber;
  registry_head_ = &fiber;
  registry_gate_.leave();
}

void Worker::unlink_from_registry(Fiber& fiber) noexcept {
  if (fiber.registry_prev_)
    fiber.registry_prev_->registry_next_ = fiber.registry_next_;
  else
    registry_head_ = fiber.registry_next_;
  if (fiber.registry_next_) fiber.registry_next_->registry_prev_ = fiber.registry_prev_;
  fiber.registry_prev_ = fiber.registry_next_ = nullptr;
}

void Worker::forget_ended(Fiber& fiber) noexcept {
  Worker& owner = *fiber.registered_on_;
  if (&owner != this) {
    Fiber* head = owner.ended_elsewhere_.load(std::memory_order_relaxed);
    do {
      fiber.ended_next_ = head;
    } while (!owner.ended_elsewhere_.compare_exchange_weak(head, &fiber, std::memory_order_release,
                                                           std::memory_order_relaxed));
    return;  // the owner drops the runtime's reference once it has unlinked it
  }
  registry_gate_.enter();
  unlink_from_registry(fiber);
  registry_gate_.leave();
  fiber.release();  // the runtime's reference
}

void Worker::forget_ended_elsewhere() noexcept {
  Fiber* ended = ended_elsewhere_.exchange(nullptr, std::memory_order_acquire);
  if (ended == nullptr) return;
  registry_gate_.enter();
  for (Fiber* f = ended; f; f = f->ended_next_) unlink_from_registry(*f);
  registry_gate_.leave();
  while (ended) {
    Fiber* next = ended->ended_next_;
    ended->release();  // the runtime's reference
    ended = next;
  }
}

void Worker::dump(std::ostream& out, const StuckFibers* stuck) const {
  OwnerGate::Opened opened(registry_gate_);
  // The registry is newest first; print oldest first.
  const Fiber* last = registry_head_;
  while (last && last->registry_next_) last = last->registry_next_;
  for (const Fiber* f = last; f; f = f->registry_prev_) {
    if (f->state() == FiberState::Done) continue;  // ended elsewhere, not unlinked yet
    out << "  fiber #" << f->id_;
    if (!f->name_.empty()) out << " '" << f->name_ << "'";
    out << ' ' << to_string(f->state());
    if (f->state() == FiberState::Parked) {
      out << ": waits on " << to_string(f->record_.kind);
      if (f->record_.name && *f->record_.name) out << " (" << f->record_.name << ")";
      if (f->record_.object) out << " at " << f->record_.object;
      if (stuck) out << stuck->holder_note(*f);
    }
    out << '\n';
  }
}

std::optional<std::string> Worker::describe_running_at(std::uint32_t progress) const {
  // The fiber may be registered on any worker (the one that started it): holding every
  // registry's gate open keeps it from being unlinked and freed meanwhile.
  std::vector<OwnerGate::Opened> held;
  held.reserve(scheduler_.workers_.size());
  for (const auto& w : scheduler_.workers_) held.emplace_back(w->registry_gate_);
  if (tick_.load(std::memory_order_relaxed) != progress) return std::nullopt;  // it moved on
  const Fiber* f = on_cpu_.load(std::memory_order_relaxed);
  if (f == nullptr || f == &thread_fiber_) return std::string("its scheduler loop, outside any fiber,");
  return "fiber #" + std::to_string(f->id_) + (f->name_.empty() ? "" : " '" + f->name_ + "'");
}

void Worker::unwind_all() noexcept {
  if (!multi_) {
    unwind_registered_on(*this);
    return;
  }
  for (const auto& w : scheduler_.workers_) unwind_registered_on(*w);  // the deadlock spans them all
}

void Worker::unwind_registered_on(Worker& owner) noexcept {
  OwnerGate::Opened opened(owner.registry_gate_);
  for (Fiber* f = owner.registry_head_; f; f = f->registry_next_) {
    if (f->state() == FiberState::Done) continue;  // ended elsewhere, not unlinked yet
    if (!f->unwinding_) {
      // Fibers unwind in no particular order: one may still be joining another whose
      // last handle the unwinding destroys. Keep them all until the run ends.
      f->retain();
      unwound_.push_back(f);
    }
    f->unwinding_ = true;
    if (f->state() != FiberState::Parked) continue;
    // A claimed wait (its claimer enqueues it if it sleeps), or a raw park.
    std::uint64_t word = f->wait_word_.load(std::memory_order_acquire);
    if (wait_word::is_waiting(word)) {
      WaitTicket ticket{f, wait_word::epoch_of(word)};
      if (try_claim(ticket, WakeReason::Cancelled)) {
        adopt_for_unwinding(*f);
        wake(ticket, ReadyHint::Normal);
      }
    }
    std::uint8_t parked = kParked;
    if (f->park_state_.compare_exchange_strong(parked, kRunning)) {
      adopt_for_unwinding(*f);
      f->worker_->make_ready(*f, ReadyHint::Normal, kRawPark);
    }
  }
}

void Worker::adopt_for_unwinding(Fiber& fiber) noexcept {
  if (!multi_) return;
  // Every worker is stuck, so every parked fiber is off its stack: all of them unwind
  // here, pinned, in the order one worker would unwind them. (Spread over the workers,
  // a fiber could destroy a primitive another is still unwinding from.) Only the one
  // that won the fiber's wake-up may move it: a waker of another runtime that won it
  // reads the fiber's worker to queue it there.
  fiber.worker_ = this;
  fiber.run_link().pinned = true;
}

}  // namespace weft::sched::detail
