// The run queue of one worker when a scheduler has several (M:N). Two parts:
//   - a private FIFO (FifoPolicy: hand-offs go to the front, a joiner may run its queued
//     child at once) that only this worker touches, so while every worker is busy a
//     switch costs what it costs on one worker;
//   - a shared ring (StealQueue) that idle workers steal from. The worker moves the
//     older half of its private queue there (share()) only while some worker is idle
//     and the ring is empty: work spreads when somebody wants it, and a pair of fibers
//     passing messages stays on one core.
// Every 61st pick looks at the ring first, so fibers shared but not stolen are not
// starved by a private queue that never empties.
// The private FIFO sits behind an OwnerGate: when the worker is stuck in a fiber (a
// blocking call), the stall monitor's thread takes its queued fibers (hand_off()); the
// worker's own way in costs a store and a load.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mn/owner_gate.hpp"
#include "mn/steal_queue.hpp"
#include "weft/sched/policy.hpp"

namespace weft::sched::detail {

class StealingPolicy final : public SchedulingPolicy {
 public:
  using Ring = StealQueue<Fiber, 256>;

  void awakened(Fiber& fiber, ReadyHint hint) noexcept override {
    Inside inside(gate_);
    private_.awakened(fiber, hint);
  }

  Fiber* pick_next() noexcept override {
    if (++picks_ % 61 == 0)
      if (Fiber* f = shared_.pop()) return f;
    {
      Inside inside(gate_);
      if (Fiber* f = private_.pick_next()) return f;
    }
    return shared_.pop();
  }

  // Only a fiber of the private queue (FifoPolicy::take compares the queue's number
  // first, so a fiber queued or running elsewhere is never touched).
  bool take(Fiber& fiber) noexcept override {
    Inside inside(gate_);
    return private_.take(fiber);
  }

  bool has_ready() const noexcept override {
    {
      Inside inside(gate_);
      if (private_.has_ready()) return true;
    }
    return !shared_.empty();
  }
  std::size_t ready_count() const noexcept override { return private_.ready_count() + shared_.size(); }

  // Owner: moves the older half of the private queue (pinned fibers and hand-offs stay)
  // to the ring, as far as it has room. Returns how many moved. Keeps one fiber back:
  // the worker will want it next.
  std::size_t share() noexcept {
    Fiber* batch[Ring::capacity / 2];
    std::size_t n;
    {
      Inside inside(gate_);  // the stall monitor may be taking fibers from the queue
      const std::size_t queued = private_.ready_count();
      if (queued < 2) return 0;
      const std::size_t room = Ring::capacity - shared_.size();
      std::size_t want = queued / 2 < room ? queued / 2 : room;
      if (want > Ring::capacity / 2) want = Ring::capacity / 2;
      n = private_.take_oldest(batch, want);
    }
    for (std::size_t i = 0; i < n; ++i) shared_.push(batch[i]);  // room was checked: never full
    return n;
  }

  // A thief (another worker, on its thread): moves its share of `victim`'s ring into its
  // own, 1/`thieves` of it (the ring is what the victim offered to the idle workers).
  // Returns how many moved.
  std::size_t steal_from(StealingPolicy& victim, std::size_t thieves) noexcept {
    return victim.shared_.steal_into(shared_, thieves);
  }

  bool has_shared() const noexcept { return !shared_.empty(); }

  // Another thread, while the owner is stuck in a fiber: takes up to `max` queued
  // fibers that are not pinned (hand-offs too: the owner will not run them soon) and
  // returns how many; none if the owner is in its queue just now.
  std::size_t hand_off(Fiber** out, std::size_t max) noexcept {
    if (!gate_.try_open()) return 0;
    const std::size_t n = private_.take_oldest(out, max, /*handoffs_too=*/true);
    gate_.close();
    return n;
  }

 private:
  struct Inside {
    WEFT_ALWAYS_INLINE explicit Inside(OwnerGate& gate) noexcept : gate_(gate) { gate_.enter(); }
    WEFT_ALWAYS_INLINE ~Inside() { gate_.leave(); }
    OwnerGate& gate_;
  };

  mutable OwnerGate gate_;
  FifoPolicy private_;
  Ring shared_;
  std::uint32_t picks_ = 0;
};

}  // namespace weft::sched::detail
