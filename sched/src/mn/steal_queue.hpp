// The run queue of one worker under M:N: a bounded FIFO ring that only its worker
// pushes to, and that its worker and idle workers take from. The worker takes one item
// at a time from the front; a thief takes its share of what is queued in one step (a
// half, or all when it is the only thief), into its own queue, so that one steal
// rebalances two workers instead of moving one fiber at a time (the scheme of Go's and
// Tokio's schedulers).
//
// Lock-free: the owner publishes an item by storing it and then advancing `tail_`
// (release); taking one or many advances `head_` by compare-and-swap, so the owner's pop
// and any number of thieves race through one CAS and every item is taken exactly once.
// A slot is overwritten only by a push that finds the ring not full, that is after
// `head_` moved past it, so a thief that read slots [h, h+n) and then wins the CAS from
// h took exactly what it read. (Positions are 32-bit and wrap; a thief would have to
// sleep through 2^32 pushes between its read and its CAS to be fooled.)
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace weft::sched::detail {

template <class T, std::size_t Capacity = 256>
class StealQueue {
  static_assert(Capacity >= 2 && (Capacity & (Capacity - 1)) == 0, "Capacity must be a power of two");

 public:
  static constexpr std::size_t capacity = Capacity;

  // Owner only. False when the ring is full (the caller puts the item elsewhere, e.g.
  // the runtime's shared injection queue).
  bool push(T* item) noexcept {
    const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint32_t head = head_.load(std::memory_order_acquire);
    if (tail - head >= Capacity) return false;
    slots_[tail & kMask].store(item, std::memory_order_relaxed);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Owner only: the oldest item, or null when empty.
  T* pop() noexcept {
    std::uint32_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
      if (head == tail) return nullptr;
      T* item = slots_[head & kMask].load(std::memory_order_relaxed);
      if (head_.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel, std::memory_order_acquire))
        return item;
    }
  }

  // A thief (any thread but this queue's owner) moves its share of this queue's items
  // to `into`, its own queue: the oldest 1/`thieves` of them, rounded up (at least one
  // if any). Returns how many moved (0 when this queue is empty or `into` has no room).
  std::size_t steal_into(StealQueue& into, std::size_t thieves) noexcept {
    const std::uint32_t parts = thieves < 1 ? 1 : static_cast<std::uint32_t>(thieves);
    std::uint32_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint32_t tail = tail_.load(std::memory_order_acquire);
      const std::uint32_t queued = tail - head;
      if (queued == 0 || queued > Capacity) {  // empty, or a torn read of a moving pair
        if (queued == 0) return 0;
        head = head_.load(std::memory_order_acquire);
        continue;
      }
      const std::uint32_t take = (queued + parts - 1) / parts;
      const std::uint32_t into_tail = into.tail_.load(std::memory_order_relaxed);
      if (into_tail - into.head_.load(std::memory_order_acquire) + take > Capacity) return 0;
      // Copy first, then claim: the copy is only kept if the claim succeeds.
      for (std::uint32_t i = 0; i < take; ++i)
        into.slots_[(into_tail + i) & kMask].store(slots_[(head + i) & kMask].load(std::memory_order_relaxed),
                                                  std::memory_order_relaxed);
      if (head_.compare_exchange_weak(head, head + take, std::memory_order_acq_rel, std::memory_order_acquire)) {
        into.tail_.store(into_tail + take, std::memory_order_release);
        return take;
      }
    }
  }

  // How many items are queued (a snapshot; exact only on the owner's thread when no
  // thief runs).
  std::size_t size() const noexcept {
    const std::uint32_t head = head_.load(std::memory_order_acquire);
    const std::uint32_t tail = tail_.load(std::memory_order_acquire);
    return tail - head;
  }
  bool empty() const noexcept { return size() == 0; }

 private:
  static constexpr std::uint32_t kMask = static_cast<std::uint32_t>(Capacity - 1);

  // Apart: thieves hammer head_, the owner writes tail_.
  alignas(64) std::atomic<std::uint32_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  alignas(64) std::array<std::atomic<T*>, Capacity> slots_{};
};

}  // namespace weft::sched::detail
