// A small test-and-test-and-set lock for the kernel's short critical sections (wait
// queues, timer heaps, inboxes). Spins briefly with PAUSE, then yields the kernel
// thread so a preempted holder can finish; never spins forever at full speed.
#pragma once

#include <atomic>

namespace weft::detail {

class SpinLock {
 public:
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) return;
    lock_slow();
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  void lock_slow() noexcept;
  std::atomic<bool> locked_{false};
};

}  // namespace weft::detail
