// The kernel API (weft/sched/kernel.hpp) on top of the calling thread's Worker.
//
// park/unpark handshake. park_state_ of a fiber is one of
//   Running  -- not parked (the normal state of a runnable or running fiber)
//   Notified -- an unpark arrived while it was not parked: the next park returns at once
//   Parking  -- it decided to park and is switching away
//   Parked   -- it is off its stack; only unpark() brings it back
// unpark: Running|Parking -> Notified (the parker, or the post-switch step of the worker
// that switched away from it, sees the permit); Parked -> Running and enqueue.
#include "weft/sched/kernel.hpp"

#include <exception>

#include "asymmetric_fence.hpp"
#include "timer_heap.hpp"
#include "wait_word.hpp"
#include "weft/sched/errors.hpp"
#include "worker.hpp"

namespace weft::sched {

using detail::Worker;
namespace wait_word = detail::wait_word;

namespace {

[[noreturn]] WEFT_NOINLINE void throw_not_a_fiber(const char* call, const char* detail = nullptr) {
  throw UsageError(std::string(call) + (detail ? detail : "") + ": not called from a weft fiber");
}

inline Fiber& running_fiber(const char* call, const char* detail = nullptr) {
  Worker* w = Worker::current();
  if (WEFT_UNLIKELY(w == nullptr || w->on_thread_context())) throw_not_a_fiber(call, detail);
  return *w->running();
}

// Shutdown after a deadlock unwinds blocked fibers: their waits throw detail::Unwind.
void check_unwinding(Fiber& self) {
  if (FiberAccess::unwinding(self) && std::uncaught_exceptions() == 0) throw detail::Unwind{};
}

}  // namespace

// await() that first switches to `taken`, a fiber this worker took off its queue to run
// at once (join of a queued child). Only untimed waits take a fiber.
static WaitOutcome await_running(WaitTicket ticket, std::optional<TimePoint> deadline, Fiber* taken);

Fiber* current_fiber() noexcept {
  Worker* w = Worker::current();
  return (w == nullptr || w->on_thread_context()) ? nullptr : w->running();
}

Fiber& require_fiber(const char* call) { return running_fiber(call); }

void start(Fiber& fiber, const StartOptions& options, std::source_location where) {
  Worker* w = Worker::current();
  if (w == nullptr) {
    fiber.release();
    throw UsageError("weft::spawn: not called inside a weft runtime (use weft::run)");
  }
  try {
    schedule_point(Op::Spawn, &fiber, where);  // under the checker: may unwind the caller
  } catch (...) {
    fiber.release();  // the runtime's reference: it will never run
    throw;
  }
  hb_release(&fiber);  // everything before the spawn happens before the child's body
  w->start(fiber, options);
}

// A join whose wait ended otherwise than by the target's end (timeout, cancelled,
// unwinding): the target must forget the joiner, whose node lives on its stack. (With
// Notified the ending target already unlinked it before it claimed the wait.) The target
// stays alive meanwhile: the caller holds a reference (its handle), and when a deadlock
// unwinds fibers in no particular order the worker keeps every unwound fiber alive until
// the run ends (Worker::unwind_all).
struct LeaveJoin {
  detail::SpinLock& lock;
  Fiber& target;
  Waiter& waiter;
  bool as_taker;
  bool needed = true;
  // The join's result: the wait's reason, after which the target is forgotten unless it
  // ended (it unlinked the joiner itself).
  WakeReason ended(WaitOutcome outcome) noexcept {
    needed = outcome.reason != WakeReason::Notified;
    if (!needed) hb_acquire(&target);
    return outcome.reason;
  }
  ~LeaveJoin() {
    if (!needed) return;
    lock.lock();
    if (as_taker)
      FiberAccess::taker_left(target) = true;
    else
      FiberAccess::joiners(target).remove(waiter);
    lock.unlock();
  }
};

// Joins a fiber this worker just took off its queue (take_to_run) by switching to it.
// Nobody else can start it meanwhile, so an unstarted one gets the joiner as its taker
// without the join lock (one atomic read-modify-write less per join; see Fiber::taker_).
static WakeReason join_by_running(Fiber& target) {
  const bool as_taker = !target.started();
  auto& lock = FiberAccess::join_lock(target);
  if (!as_taker) lock.lock();  // queued, so not finished; another joiner may be adding itself
  WaitTicket ticket = begin_wait(WaitRecord{WaitKind::Join, &target, target.name().c_str()});
  Waiter waiter(ticket);
  if (as_taker) {
    FiberAccess::taker(target) = ticket;
  } else {
    FiberAccess::joiners(target).push_back(waiter);
    lock.unlock();
  }
  LeaveJoin leave{lock, target, waiter, as_taker};
  return leave.ended(await_running(ticket, std::nullopt, &target));  // runs the target first
}

WakeReason join(Fiber& target, std::optional<TimePoint> deadline, std::source_location where) {
  Fiber& self = running_fiber("weft::join");
  if (&target == &self) throw UsageError("weft::join: a fiber cannot join itself");
  schedule_point(Op::Join, &target, where);
  // A joiner blocks anyway: if the target is queued on this worker, run it now.
  if (!deadline) {
    check_unwinding(self);
    if (Worker::current()->take_to_run(target)) return join_by_running(target);
  }
  auto& lock = FiberAccess::join_lock(target);
  lock.lock();
  if (target.finished()) {
    lock.unlock();
    hb_acquire(&target);
    return WakeReason::Notified;
  }
  WaitTicket ticket = begin_wait(WaitRecord{WaitKind::Join, &target, target.name().c_str()});
  Waiter waiter(ticket);
  FiberAccess::joiners(target).push_back(waiter);
  lock.unlock();
  LeaveJoin leave{lock, target, waiter, /*as_taker=*/false};
  return leave.ended(await(ticket, deadline));
}

void yield(std::source_location where) {
  Worker* w = Worker::current();
  if (w == nullptr || w->on_thread_context()) return;  // nothing to yield to
  if (Instrumentation* hooks = detail::instrumentation()) {
    // Under the checker every schedule point may switch; a yield is just one of them.
    hooks->schedule_point(Op::Yield, nullptr, where);
    return;
  }
  w->yield();
}

TimePoint now() {
  Worker* w = Worker::current();
  return w ? w->clock().now() : SteadyClock::now();
}

WakeReason sleep_until(TimePoint deadline, std::source_location where) {
  schedule_point(Op::Sleep, nullptr, where);
  WaitTicket ticket = begin_wait(WaitRecord{WaitKind::Sleep, nullptr, "sleep"});
  // TimePoint::max() (a sleep too long to represent) never ends by itself: no timer, so
  // a virtual clock is not advanced to the end of time.
  std::optional<TimePoint> until;
  if (deadline != TimePoint::max()) until = deadline;
  return await(ticket, until).reason;
}

void park(const WaitRecord& record) {
  Fiber& self = running_fiber("weft::sched::park");
  check_unwinding(self);
  Worker::current()->park(record);
  check_unwinding(self);
}

void unpark(Fiber& fiber) noexcept { Worker::unpark(fiber, ReadyHint::Normal); }

WaitTicket begin_wait(WaitKind kind, const void* object, const char* name,
                      const std::atomic<Fiber*>* holder) {
  Fiber& self = running_fiber("weft: ", name ? name : "a blocking call");
  auto& word = FiberAccess::wait_word(self);
  std::uint64_t epoch = wait_word::epoch_of(word.load(std::memory_order_relaxed)) + 1;
  WaitRecord& record = FiberAccess::record(self);
  record.kind = kind;
  record.object = object;
  record.name = name;
  record.holder = holder;
  WaitTicket ticket{&self, epoch};
  // Dekker with Fiber::request_cancel: open the wait, then look for a pending request.
  // The canceller pays for the fence when it can (see asymmetric_fence.hpp).
  auto& cancel = FiberAccess::cancel_pending(self);
  if (detail::asymmetric_fences()) {
    word.store(wait_word::make(epoch, wait_word::kOpen), std::memory_order_release);
    detail::light_fence();
  } else {
    word.store(wait_word::make(epoch, wait_word::kOpen), std::memory_order_seq_cst);
  }
  if (WEFT_UNLIKELY(cancel.load(std::memory_order_seq_cst)) && cancel.exchange(false))
    try_wake(ticket, WakeReason::Cancelled);
  return ticket;
}

bool try_claim(WaitTicket ticket, WakeReason reason, std::uintptr_t detail) noexcept {
  Fiber& fiber = *ticket.fiber;
  auto& word = FiberAccess::wait_word(fiber);
  const std::uint64_t open = wait_word::make(ticket.epoch, wait_word::kOpen);
  std::uint64_t seen = open;
  // Open or spinning (the waiter moves between the two itself): claiming is one more.
  while (!word.compare_exchange_weak(seen, seen + wait_word::kClaiming, std::memory_order_acq_rel,
                                     std::memory_order_relaxed))
    if ((seen & ~wait_word::kSpinning) != open) return false;
  FiberAccess::wake_reason(fiber) = reason;
  FiberAccess::wake_detail(fiber) = detail;
  return true;
}

void wake(WaitTicket ticket) noexcept { Worker::wake(ticket, ReadyHint::Normal); }

// Parks until the wait is claimed (the part of await after any timer is armed).
// `taken` (a fiber this worker took off its queue to run at once, see join_by_running)
// runs when the caller switches away; if the wait was claimed before that, it is queued
// again.
static WaitOutcome park_until_claimed(WaitTicket ticket, Fiber* taken) {
  Fiber& self = *ticket.fiber;
  auto& word = FiberAccess::wait_word(self);
  const std::uint64_t claimed = wait_word::make(ticket.epoch, wait_word::kClaimed);
  for (;;) {
    const std::uint64_t seen = word.load(std::memory_order_acquire);
    if (seen == claimed) break;
    if (wait_word::is_claiming(seen)) {
      detail::spin_pause();  // a claimer on another thread is handing over
      continue;
    }
    Worker::current()->park_in_wait(ticket.epoch, taken);
    taken = nullptr;
    check_unwinding(self);
  }
  if (WEFT_UNLIKELY(taken != nullptr)) Worker::current()->give_back(*taken);
  return WaitOutcome{FiberAccess::wake_reason(self), FiberAccess::wake_detail(self)};
}

// With a deadline: a timer on this worker claims the wait with Timeout.
WEFT_NOINLINE static WaitOutcome await_until(WaitTicket ticket, TimePoint deadline) {
  auto& word = FiberAccess::wait_word(*ticket.fiber);
  const std::uint64_t claimed = wait_word::make(ticket.epoch, wait_word::kClaimed);
  Worker* w = Worker::current();
  struct Timer : detail::TimerNode {  // cancelled on every exit, unwinding included
    ~Timer() {
      if (heap) heap->cancel(*this);
    }
  } timer;
  if (word.load(std::memory_order_acquire) != claimed) {
    if (deadline <= w->clock().now()) {
      try_wake(ticket, WakeReason::Timeout);
    } else {
      timer.deadline = deadline;
      timer.ticket = ticket;
      w->timers().insert(timer);
    }
  }
  return park_until_claimed(ticket, nullptr);
}

static WaitOutcome await_running(WaitTicket ticket, std::optional<TimePoint> deadline, Fiber* taken) {
  if (deadline) return await_until(ticket, *deadline);
  return park_until_claimed(ticket, taken);
}

WaitOutcome await(WaitTicket ticket, std::optional<TimePoint> deadline) {
  check_unwinding(*ticket.fiber);
  return await_running(ticket, deadline, nullptr);
}

namespace detail {

void preempt_to(Fiber& next) {
  Worker* w = Worker::current();
  WEFT_INVARIANT(w && !w->on_thread_context(), "preempt_to outside a fiber");
  w->preempt_to(next);
}

void unwind_all() noexcept {
  if (Worker* w = Worker::current()) w->unwind_all();
}

bool unwinding(const Fiber& fiber) noexcept { return FiberAccess::unwinding(const_cast<Fiber&>(fiber)); }

}  // namespace detail
}  // namespace weft::sched
