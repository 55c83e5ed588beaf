#include "weft/sched/policy.hpp"

namespace weft::sched {

void FifoPolicy::push_back(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  link.prev = tail_;
  link.next = nullptr;
  link.queued = true;
  if (tail_)
    tail_->run_link().next = &fiber;
  else
    head_ = &fiber;
  tail_ = &fiber;
  ++count_;
}

void FifoPolicy::push_front(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  link.prev = nullptr;
  link.next = head_;
  link.queued = true;
  if (head_)
    head_->run_link().prev = &fiber;
  else
    tail_ = &fiber;
  head_ = &fiber;
  ++count_;
}

void FifoPolicy::unlink(Fiber& fiber) noexcept {
  Fiber::RunLink& link = fiber.run_link();
  if (link.prev)
    link.prev->run_link().next = link.next;
  else
    head_ = link.next;
  if (link.next)
    link.next->run_link().prev = link.prev;
  else
    tail_ = link.prev;
  link = Fiber::RunLink{};
  --count_;
}

void FifoPolicy::awakened(Fiber& fiber, ReadyHint hint) noexcept {
  if (hint == ReadyHint::Handoff && handoffs_left_ > 0) {
    --handoffs_left_;
    push_front(fiber);
    fiber.run_link().jumped = true;
  } else {
    push_back(fiber);
  }
}

Fiber* FifoPolicy::pick_next() noexcept {
  Fiber* fiber = head_;
  if (fiber == nullptr) return nullptr;
  const bool jumped = fiber->run_link().jumped;
  unlink(*fiber);
  // Once a fiber that waited its turn runs (or nobody waits), hand-offs may resume.
  if (!jumped || count_ == 0) handoffs_left_ = kHandoffBudget;
  return fiber;
}

bool FifoPolicy::take(Fiber& fiber) noexcept {
  if (!fiber.run_link().queued) return false;
  if (handoffs_left_ == 0 && count_ > 1) return false;
  --handoffs_left_;
  unlink(fiber);
  return true;
}

}  // namespace weft::sched
