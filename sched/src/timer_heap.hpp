// Per-worker timers: a binary min-heap of nodes that live on the stacks of the fibers
// waiting for them. Each node claims its fiber's wait with WakeReason::Timeout when due.
// Guarded by a lock because a fiber woken elsewhere cancels its timer from whichever
// worker it then runs on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "weft/sched/spinlock.hpp"
#include "weft/sched/time.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft::sched::detail {

class TimerHeap;

struct TimerNode {
  TimePoint deadline{};
  WaitTicket ticket{};
  std::uint64_t sequence = 0;   // FIFO among equal deadlines
  std::size_t index = kNotQueued;
  TimerHeap* heap = nullptr;

  static constexpr std::size_t kNotQueued = ~std::size_t{0};
};

class TimerHeap {
 public:
  void insert(TimerNode& node);
  // Removes the node if it is still queued (it may have fired).
  void cancel(TimerNode& node) noexcept;
  // Claims (Timeout) and unparks every waiter whose deadline is <= now. Returns how many.
  std::size_t fire_due(TimePoint now) noexcept;
  std::optional<TimePoint> next_deadline() const noexcept;
  bool empty() const noexcept { return count_.load(std::memory_order_relaxed) == 0; }

 private:
  bool less(std::size_t a, std::size_t b) const noexcept;
  void swap_nodes(std::size_t a, std::size_t b) noexcept;
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void remove_at(std::size_t i) noexcept;

  mutable detail::SpinLock lock_;
  std::vector<TimerNode*> nodes_;
  std::uint64_t next_sequence_ = 0;
  std::atomic<std::size_t> count_{0};
};

}  // namespace weft::sched::detail
