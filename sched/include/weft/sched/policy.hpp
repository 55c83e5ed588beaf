// Scheduling policy: which ready fiber a worker runs next. Each worker has its own,
// made by SchedulerOptions::policy (a factory). The FIFO below is the default; the
// checker's controlled scheduler is another, and the M:N work-stealing queues (planned)
// a third. A policy is called on its worker's thread, except steal(), which another
// worker calls.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "weft/sched/fiber.hpp"

namespace weft::sched {

enum class ReadyHint : std::uint8_t {
  Normal,   // woken or spawned: queue it behind the others
  Handoff,  // woken by the fiber that is about to block or exit on this worker (a joiner
            // of an exiting fiber): running it next keeps caches and stacks warm
};

class SchedulingPolicy {
 public:
  virtual ~SchedulingPolicy() = default;
  // `fiber` became ready on this worker.
  virtual void awakened(Fiber& fiber, ReadyHint hint) noexcept = 0;
  // Removes and returns the fiber to run next, or null when none is ready.
  virtual Fiber* pick_next() noexcept = 0;
  // Removes a queued `fiber` so the caller can run it at once (join of a fiber that has
  // not started). Returns false to refuse; the joiner then parks as usual.
  virtual bool take(Fiber& fiber) noexcept = 0;
  virtual bool has_ready() const noexcept = 0;
  virtual std::size_t ready_count() const noexcept = 0;

  // ---- several workers (M:N) ------------------------------------------------------
  // Called on another worker's thread, by a thief with nothing to run: removes up to
  // `max` ready fibers that may leave this worker (about half of them, oldest first),
  // writes them to `out` and returns how many. The thief then owns them as if they had
  // become ready on its own worker. The default takes none: a policy that is only safe
  // on its own thread (FifoPolicy, the checker's) keeps its fibers home. A policy that
  // lets fibers be stolen calls Scheduler::notify_idle_worker when it queues fibers
  // another worker could take (see PolicyContext).
  virtual std::size_t steal(Fiber** out, std::size_t max) noexcept {
    (void)out;
    (void)max;
    return 0;
  }
};

// FIFO run queue with hand-off. A Handoff fiber goes to the front, and take() lets a
// joiner run its unstarted child at once: spawn-then-join trees then run depth first
// with a handful of live stacks instead of breadth first with one stack per node.
// To keep fibers at the back from starving, hand-offs bypass the queue for a bounded
// time: kHandoffBudget of them in a row, renewed while less than kHandoffSlice has passed
// since the budget first ran out (the clock is read once per budget); then the oldest
// fiber runs. A fiber at the back therefore waits about kHandoffSlice plus two budgets
// of hand-offs. The budget is small so that slow hand-offs (a TSan build's take ~0.1 ms)
// still end near the slice; the clock read (~20 ns) then costs well under a nanosecond
// per hand-off. A count alone would bound a deep spawn-then-join tree too tightly: each
// refusal starts another subtree, and skynet's 1M-leaf tree kept ~2,500 stacks alive
// instead of ~140.
class FifoPolicy final : public SchedulingPolicy {
 public:
  static constexpr std::uint32_t kHandoffBudget = 128;
  static constexpr std::int64_t kHandoffSliceNs = 1'000'000;

  void awakened(Fiber& fiber, ReadyHint hint) noexcept override;
  Fiber* pick_next() noexcept override;
  bool take(Fiber& fiber) noexcept override;
  bool has_ready() const noexcept override { return head_ != nullptr; }
  std::size_t ready_count() const noexcept override { return count_.load(std::memory_order_relaxed); }

  // For a policy built on this one (M:N's StealingPolicy): removes up to `max` of the
  // oldest queued fibers that are not pinned and (unless `handoffs_too`) not queued
  // ahead by a hand-off, writing them to `out`; returns how many.
  std::size_t take_oldest(Fiber** out, std::size_t max, bool handoffs_too = false) noexcept {
    std::size_t n = 0;
    for (Fiber* f = head_; f && n < max;) {
      Fiber* next = f->run_link().next;
      if (!f->run_link().pinned && (handoffs_too || !f->run_link().jumped)) {
        unlink(*f);
        out[n++] = f;
      }
      f = next;
    }
    return n;
  }

 private:
  void push_back(Fiber& fiber) noexcept;
  void push_front(Fiber& fiber) noexcept;
  void unlink(Fiber& fiber) noexcept;
  static std::uint32_t next_id() noexcept;
  // The budget ran out: renews it unless the slice is over. Out of line and cold (it
  // reads the clock), so the hot paths around it stay small enough to inline.
  WEFT_NOINLINE __attribute__((cold)) bool renew_handoffs() noexcept;
  void restart_handoffs() noexcept { handoffs_left_ = kHandoffBudget; }
  bool handoffs_available() const noexcept { return (handoffs_left_ & ~kRenewed) != 0; }
  // Set in handoffs_left_ once the budget was renewed: the slice has started.
  static constexpr std::uint32_t kRenewed = std::uint32_t{1} << 31;

  Fiber* head_ = nullptr;
  Fiber* tail_ = nullptr;
  // Written by the owner alone (a relaxed load and store: a plain increment's code);
  // atomic because stats() reads it from other threads.
  std::atomic<std::size_t> count_{0};
  void count_in(std::size_t n) noexcept { count_.store(n, std::memory_order_relaxed); }
  std::size_t counted() const noexcept { return count_.load(std::memory_order_relaxed); }
  const std::uint32_t id_ = next_id();  // written into the RunLink of every fiber it holds
  std::uint32_t handoffs_left_ = kHandoffBudget;
  std::int64_t slice_start_ns_ = 0;  // when the budget first ran out (valid with kRenewed)
};

// Inline: the worker calls these on every switch.
inline void FifoPolicy::push_back(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  link.prev = tail_;
  link.next = nullptr;
  link.queue.store(id_, std::memory_order_relaxed);
  if (tail_)
    tail_->run_link().next = &fiber;
  else
    head_ = &fiber;
  tail_ = &fiber;
  count_in(counted() + 1);
}

inline void FifoPolicy::push_front(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  link.prev = nullptr;
  link.next = head_;
  link.queue.store(id_, std::memory_order_relaxed);
  if (head_)
    head_->run_link().prev = &fiber;
  else
    tail_ = &fiber;
  head_ = &fiber;
  count_in(counted() + 1);
}

inline void FifoPolicy::unlink(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  if (link.prev)
    link.prev->run_link().next = link.next;
  else
    head_ = link.next;
  if (link.next)
    link.next->run_link().prev = link.prev;
  else
    tail_ = link.prev;
  link.prev = link.next = nullptr;
  link.queue.store(0, std::memory_order_relaxed);
  link.jumped = false;  // pinned stays: it belongs to the fiber
  count_in(counted() - 1);
}

WEFT_ALWAYS_INLINE void FifoPolicy::awakened(Fiber& fiber, ReadyHint hint) noexcept {
  if (hint == ReadyHint::Handoff && (handoffs_available() || renew_handoffs())) {
    --handoffs_left_;
    push_front(fiber);
    fiber.run_link().jumped = true;
  } else {
    push_back(fiber);
  }
}

WEFT_ALWAYS_INLINE Fiber* FifoPolicy::pick_next() noexcept {
  Fiber* fiber = head_;
  if (fiber == nullptr) return nullptr;
  const bool jumped = fiber->run_link().jumped;
  unlink(*fiber);
  // Once a fiber that waited its turn runs (or nobody waits), hand-offs may resume.
  if (!jumped || counted() == 0) restart_handoffs();
  return fiber;
}

inline bool FifoPolicy::take(Fiber& fiber) noexcept {
  // Compares a number only: `fiber` may be queued on another worker right now.
  if (fiber.run_link().queue.load(std::memory_order_relaxed) != id_) return false;
  if (counted() == 1) {  // nobody else waits
    unlink(fiber);
    restart_handoffs();
    return true;
  }
  if (!handoffs_available() && !renew_handoffs()) return false;
  --handoffs_left_;
  unlink(fiber);
  return true;
}


}  // namespace weft::sched
