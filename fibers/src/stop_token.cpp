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
  sched::hb_release(this);
  requested_.store(true, std::memory_order_release);
  running_thread_ = std::this_thread::get_id();
  while (StopCallbackNode* node = callbacks_.pop_front()) {
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
  callbacks_.push_back(node);
  return true;
}

void StopState::remove(StopCallbackNode& node) noexcept {
  std::unique_lock guard(lock_);
  if (callbacks_.remove(node)) return;
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
  sched::hb_acquire(state_.get());
  return true;
}

bool StopSource::request_stop() {
  schedule_point(sched::Op::Notify, state_.get());
  return state_->request_stop();
}

CancelOnStop::CancelOnStop(const StopToken& token)
    : callback_(token, Cancel{&sched::require_fiber("weft::CancelOnStop")}) {}

}  // namespace weft
