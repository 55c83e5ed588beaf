// Completion and waiting of a future's shared state (see weft/future/detail/future_state.hpp).
#include "weft/future/detail/future_state.hpp"

#include <memory>
#include <mutex>
#include <string>

#include "weft/sched/scheduler.hpp"

namespace weft::detail {

namespace {

// Process-wide order of completions: lets wait_any and as_completed report futures in
// the order they completed even when several were ready before anyone looked.
std::atomic<std::uint64_t> g_completion_counter{0};

// Unlinks a waiter node from a state's queue when the wait ends, also when the wait
// throws (shutdown unwinding): the node lives in the waiting fiber's frame.
struct Unlink {
  sched::detail::SpinLock& lock;
  sched::WaitQueue& queue;
  sched::Waiter& waiter;
  ~Unlink() {
    std::lock_guard guard(lock);
    queue.remove(waiter);
  }
};

}  // namespace

sched::WaitKind FutureStateBase::wait_kind() const noexcept {
  // A promise of this runtime can only be completed by its fibers: if they all block,
  // that is a deadlock. Anything else may be completed from outside.
  return home_ != nullptr && home_ == sched::Scheduler::current() ? sched::WaitKind::Future
                                                                : sched::WaitKind::External;
}

void FutureStateBase::claim(const char* call) {
  if (claimed_.exchange(true, std::memory_order_acq_rel))
    throw UsageError(std::string(call) + ": the result was already set");
}

void FutureStateBase::publish() noexcept {
  sched::hb_release(this);
  std::lock_guard guard(lock_);
  order_ = g_completion_counter.fetch_add(1, std::memory_order_relaxed);
  ready_.store(true, std::memory_order_release);
  // Each node's tag is its index in the waiter's wait (wait_any); the claim passes it on.
  while (sched::Waiter* w = waiters_.pop_front())
    sched::try_wake(w->ticket, sched::WakeReason::Notified, w->tag);
}

void FutureStateBase::set_exception(std::exception_ptr error, const char* call) {
  if (!error) throw UsageError(std::string(call) + ": the exception_ptr is null");
  claim(call);
  error_ = std::move(error);
  publish();
}

void FutureStateBase::break_promise() noexcept {
  if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
  try {
    error_ = std::make_exception_ptr(BrokenPromise());
  } catch (...) {
    error_ = std::current_exception();  // out of memory: store that instead
  }
  publish();
}

bool FutureStateBase::wait(std::optional<TimePoint> deadline, const char* call) {
  schedule_point(sched::Op::Wait, this);
  if (ready()) {
    sched::hb_acquire(this);
    return true;
  }
  if (deadline && *deadline <= sched::now()) return false;  // a poll: never blocks
  sched::require_fiber(call);
  for (;;) {
    sched::WaitOutcome outcome{};
    {
      std::unique_lock guard(lock_);
      if (ready()) break;
      sched::WaitTicket ticket = sched::begin_wait(sched::WaitRecord{wait_kind(), this, call});
      sched::Waiter waiter(ticket);
      waiters_.push_back(waiter);
      guard.unlock();
      Unlink unlink{lock_, waiters_, waiter};
      outcome = sched::await(ticket, deadline);
    }
    if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
    if (ready()) break;  // also when the timer fired while the result was being set
    if (outcome.reason == sched::WakeReason::Timeout) return false;
    // Notified yet not ready: only a wake-up reason read before its claimer wrote it
    // (see the kernel notes) gets here. Wait again; a passed deadline ends it at once.
  }
  sched::hb_acquire(this);
  return true;
}

std::optional<std::size_t> FutureStateBase::earliest_ready(
    std::span<FutureStateBase* const> states) noexcept {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (!states[i]->ready()) continue;
    if (!best || states[i]->order_ < states[*best]->order_) best = i;
  }
  return best;
}

std::optional<std::size_t> FutureStateBase::wait_any(std::span<FutureStateBase* const> states,
                                                     std::optional<TimePoint> deadline,
                                                     const char* call) {
  if (states.empty()) throw UsageError(std::string(call) + ": no futures to wait for");
  schedule_point(sched::Op::Select, states.front());
  if (auto i = earliest_ready(states)) {
    sched::hb_acquire(states[*i]);
    return i;
  }
  if (deadline && *deadline <= sched::now()) return std::nullopt;  // a poll: never blocks
  sched::require_fiber(call);

  sched::WaitKind kind = sched::WaitKind::Future;
  for (FutureStateBase* s : states)
    if (s->wait_kind() == sched::WaitKind::External) kind = sched::WaitKind::External;

  for (;;) {
    if (std::optional<std::size_t> i = wait_any_once(states, deadline, kind, call)) {
      sched::hb_acquire(states[*i]);
      return i;
    }
    if (deadline && sched::now() >= *deadline) return std::nullopt;
    // Neither ready nor timed out: see wait(). Wait again.
  }
}

std::optional<std::size_t> FutureStateBase::wait_any_once(std::span<FutureStateBase* const> states,
                                                          std::optional<TimePoint> deadline,
                                                          sched::WaitKind kind, const char* call) {
  sched::WaitOutcome outcome{};
  {
    // One ticket, one node per state: the first completion claims the wait.
    sched::WaitTicket ticket = sched::begin_wait(sched::WaitRecord{kind, states.front(), call});
    auto nodes = std::make_unique<std::optional<sched::Waiter>[]>(states.size());
    std::size_t published = 0;
    struct UnlinkAll {
      std::span<FutureStateBase* const> states;
      std::optional<sched::Waiter>* nodes;
      const std::size_t& published;
      ~UnlinkAll() {
        for (std::size_t i = 0; i < published; ++i) {
          if (!nodes[i]) continue;
          std::lock_guard guard(states[i]->lock_);
          states[i]->waiters_.remove(*nodes[i]);
        }
      }
    } unlink{states, nodes.get(), published};

    for (std::size_t i = 0; i < states.size(); ++i) {
      FutureStateBase& s = *states[i];
      std::unique_lock guard(s.lock_);
      published = i + 1;
      if (s.ready()) {
        // Completed while we were publishing: end our own wait (unless a completion
        // or a cancel claimed it first).
        guard.unlock();
        sched::try_wake(ticket, sched::WakeReason::Notified, i);
        break;
      }
      nodes[i].emplace(ticket, nullptr, i);
      s.waiters_.push_back(*nodes[i]);
    }
    outcome = sched::await(ticket, deadline);
  }
  if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
  // Several may have completed by now; report the earliest (completion order).
  return earliest_ready(states);
}

}  // namespace weft::detail
