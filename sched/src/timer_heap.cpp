// A worker's timers: a heap of deadlines, each claiming its fiber's wait when due.
#include "timer_heap.hpp"

#include <mutex>

#include "weft/sched/kernel.hpp"

namespace weft::sched::detail {

bool TimerHeap::less(std::size_t a, std::size_t b) const noexcept {
  const TimerNode& x = *nodes_[a];
  const TimerNode& y = *nodes_[b];
  return x.deadline < y.deadline || (x.deadline == y.deadline && x.sequence < y.sequence);
}

void TimerHeap::swap_nodes(std::size_t a, std::size_t b) noexcept {
  std::swap(nodes_[a], nodes_[b]);
  nodes_[a]->index = a;
  nodes_[b]->index = b;
}

void TimerHeap::sift_up(std::size_t i) noexcept {
  while (i > 0) {
    std::size_t parent = (i - 1) / 2;
    if (!less(i, parent)) break;
    swap_nodes(i, parent);
    i = parent;
  }
}

void TimerHeap::sift_down(std::size_t i) noexcept {
  for (;;) {
    std::size_t smallest = i;
    std::size_t left = 2 * i + 1;
    std::size_t right = left + 1;
    if (left < nodes_.size() && less(left, smallest)) smallest = left;
    if (right < nodes_.size() && less(right, smallest)) smallest = right;
    if (smallest == i) return;
    swap_nodes(i, smallest);
    i = smallest;
  }
}

void TimerHeap::remove_at(std::size_t i) noexcept {
  nodes_[i]->index = TimerNode::kNotQueued;
  std::size_t last = nodes_.size() - 1;
  if (i != last) {
    nodes_[i] = nodes_[last];
    nodes_[i]->index = i;
  }
  nodes_.pop_back();
  count_.store(nodes_.size(), std::memory_order_relaxed);
  if (i < nodes_.size()) {
    sift_down(i);
    sift_up(i);
  }
}

void TimerHeap::insert(TimerNode& node) {
  std::lock_guard guard(lock_);
  node.sequence = next_sequence_++;
  node.heap = this;
  node.index = nodes_.size();
  nodes_.push_back(&node);
  count_.store(nodes_.size(), std::memory_order_relaxed);
  sift_up(node.index);
}

void TimerHeap::cancel(TimerNode& node) noexcept {
  std::lock_guard guard(lock_);
  if (node.index != TimerNode::kNotQueued) remove_at(node.index);
}

std::size_t TimerHeap::fire_due(TimePoint now) noexcept {
  std::size_t fired = 0;
  std::lock_guard guard(lock_);
  while (!nodes_.empty() && nodes_.front()->deadline <= now) {
    WaitTicket ticket = nodes_.front()->ticket;
    remove_at(0);
    // Woken under the lock: the waiter cancels under it too, so its node stays valid.
    if (try_wake(ticket, WakeReason::Timeout)) ++fired;
  }
  return fired;
}

std::optional<TimePoint> TimerHeap::next_deadline() const noexcept {
  std::lock_guard guard(lock_);
  if (nodes_.empty()) return std::nullopt;
  return nodes_.front()->deadline;
}

}  // namespace weft::sched::detail
