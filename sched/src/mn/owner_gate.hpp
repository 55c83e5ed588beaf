// A gate around data that one thread (the owner) uses all the time and other threads
// need once in a long while: a worker's private run queue, which the stall monitor
// empties when the worker is stuck in a fiber (stall_monitor.hpp), and its registry of
// fibers, which dumps and deadlock reports read.
//
// The owner's way in is a store and a load (no atomic read-modify-write, no fence):
// the rare side runs membarrier(2) (asymmetric_fence.hpp), which orders the owner's
// store before the rare side's check. Where that is not available (or under TSan,
// which cannot see it) both sides use sequentially consistent accesses instead.
// Unlike a biased lock, the gate goes back to the fast path once the rare side is done.
#pragma once

#include <atomic>

#include "asymmetric_fence.hpp"
#include "weft/sched/macros.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::sched::detail {

class OwnerGate {
 public:
  // The owner's thread only; not reentrant.
  WEFT_ALWAYS_INLINE void enter() noexcept {
    for (;;) {
      if (fenced_) {
        inside_.store(true, std::memory_order_relaxed);
        light_fence();
        if (WEFT_LIKELY(!opened_.load(std::memory_order_acquire))) return;
      } else {
        inside_.store(true, std::memory_order_seq_cst);
        if (WEFT_LIKELY(!opened_.load(std::memory_order_seq_cst))) return;
      }
      wait_while_opened();
    }
  }
  WEFT_ALWAYS_INLINE void leave() noexcept { inside_.store(false, std::memory_order_release); }

  // Any other thread, one at a time (the caller serialises): true when the owner is
  // outside and stays out until close(); false (and nothing held) when it is inside.
  bool try_open() noexcept {
    opened_.store(true, std::memory_order_seq_cst);
    if (fenced_) heavy_fence();
    if (!inside_.load(std::memory_order_seq_cst)) return true;
    opened_.store(false, std::memory_order_release);
    return false;
  }
  void close() noexcept { opened_.store(false, std::memory_order_release); }
  // try_open() until it succeeds: the owner's stays inside are short.
  void open() noexcept {
    while (!try_open()) spin_pause();
  }

  // Keeps a gate open for a scope (the other side's counterpart of enter/leave).
  class Opened {
   public:
    explicit Opened(OwnerGate& gate) noexcept : gate_(&gate) { gate_->open(); }
    Opened(Opened&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    ~Opened() {
      if (gate_) gate_->close();
    }
    Opened(const Opened&) = delete;
    Opened& operator=(const Opened&) = delete;
    Opened& operator=(Opened&&) = delete;

   private:
    OwnerGate* gate_;
  };

 private:
  void wait_while_opened() noexcept {
    inside_.store(false, std::memory_order_release);
    while (opened_.load(std::memory_order_acquire)) spin_pause();
  }

  const bool fenced_ = asymmetric_fences();  // decided once per process: both sides agree
  std::atomic<bool> inside_{false};  // written by the owner only
  std::atomic<bool> opened_{false};  // written by the other side only
};

}  // namespace weft::sched::detail
