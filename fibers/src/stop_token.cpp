// Stop requests and their callbacks (weft/stop_token.hpp).
#include "weft/stop_token.hpp"

#include <mutex>
#include <thread>

#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"

namespace weft {

namespace detail {

bool StopState::request_stop() {
  std::unique_lock guard(lock_);
  if (requested_.load(std::memory_order_relaxed)) return false;
  hb_release(this);
  requested_.store(true, std::memory_order_release);
  running_thread_ = std::this_thread::get_id();
  while (StopCallbackNode* node = head_) {
    head_ = node->next;
    if (head_)
      head_->prev = nullptr;
    else
      tail_ = nullptr;
    node->prev = node->next = nullptr;
    node->linked = false;
    running_ = node;
    guard.unlock();
    node->invoke(node);  // may destroy the node: not touched afterwards
    guard.lock();
    running_ = nullptr;
  }
  return true;
}

bool StopState::add(StopCallbackNode& node) noexcept {
  std::lock_guard guard(lock_);
  if (requested_.load(std::memory_order_relaxed)) return false;
  node.prev = tail_;
  node.next = nullptr;
  node.linked = true;
  if (tail_)
    tail_->next = &node;
  else
    head_ = &node;
  tail_ = &node;
  return true;
}

void StopState::remove(StopCallbackNode& node) noexcept {
  std::unique_lock guard(lock_);
  if (node.linked) {
    if (node.prev)
      node.prev->next = node.next;
    else
      head_ = node.next;
    if (node.next)
      node.next->prev = node.prev;
    else
      tail_ = node.prev;
    node.prev = node.next = nullptr;
    node.linked = false;
    return;
  }
  if (running_ != &node || running_thread_ == std::this_thread::get_id()) return;
  // Running on another thread: callbacks are short and never block, so wait it out.
  while (running_ == &node) {
    guard.unlock();
    if (sched::current_fiber())
      sched::yield();
    else
      std::this_thread::yield();
    guard.lock();
  }
}

}  // namespace detail

bool StopToken::stop_requested() const noexcept {
  if (!state_ || !state_->stop_requested()) return false;
  hb_acquire(state_.get());
  return true;
}

bool StopSource::request_stop() {
  schedule_point(Op::Notify, state_.get());
  return state_->request_stop();
}

CancelOnStop::CancelOnStop(const StopToken& token)
    : callback_(token, Cancel{&sched::require_fiber("weft::CancelOnStop")}) {}

}  // namespace weft
