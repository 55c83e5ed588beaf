// The locks of the kernel's and the primitives' short critical sections (wait queues,
// channel buffers, timer heaps). No holder ever switches fibers or blocks while holding
// one, so a critical section lasts a few dozen instructions.
//
// PlainSpinLock: test-and-test-and-set. Spins briefly with PAUSE, then yields the kernel
// thread so a preempted holder can finish; never spins forever at full speed.
//
// SpinLock: a PlainSpinLock biased to the first kernel thread that takes it. Most locks
// of a fiber program are only ever taken on one thread (a channel between fibers of one
// worker), and an atomic read-modify-write costs ~5 ns here, more than the rest of a
// channel operation. While biased, the owning thread locks with two plain stores and a
// load. The first time another thread wants the lock it revokes the bias for good: it
// marks the lock revoked, runs membarrier(2) (a fence on every thread of the process,
// ~0.4 us), and waits until the owner is outside its critical section; from then on
// every thread uses the plain lock. Where membarrier is unavailable, and under
// ThreadSanitizer (which cannot see that fence), locks are never biased; after 1,000
// revocations in a process (a program whose locks keep crossing threads) new locks are
// no longer biased, which bounds what revocations can cost.
#pragma once

#include <atomic>
#include <cstdint>

#include "weft/sched/macros.hpp"

extern "C" {
// This kernel thread's ticket (see weft::sched::detail::thread_ticket); 0 until first asked.
extern constinit thread_local std::uint64_t weft_thread_ticket_tls WEFT_TLS_FAST;
}

namespace weft::sched::detail {

// PAUSE: tells the core it is in a spin-wait loop.
inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class PlainSpinLock {
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
  bool locked() const noexcept { return locked_.load(std::memory_order_acquire); }

 private:
  void lock_slow() noexcept;
  std::atomic<bool> locked_{false};
};

// A number unique to the calling kernel thread for the life of the process (never 0,
// never reused, unlike thread ids or TLS addresses).
WEFT_NOINLINE std::uint64_t assign_thread_ticket() noexcept;
WEFT_ALWAYS_INLINE std::uint64_t thread_ticket() noexcept {
#ifdef WEFT_HAVE_TLS_ASM
  std::uint64_t ticket = WEFT_TLS_READ(std::uint64_t, weft_thread_ticket_tls);
#else
  std::uint64_t ticket = weft_thread_ticket_tls;
#endif
  return WEFT_LIKELY(ticket != 0) ? ticket : assign_thread_ticket();
}

// From now on no new lock is biased (locks biased already stay so until another thread
// takes them). Called when a runtime with several workers starts: its locks cross
// threads all the time, and each first crossing of a biased lock costs a membarrier
// (measured: a third of skynet's time on two workers).
void stop_biasing_new_locks() noexcept;

class SpinLock {
 public:
  SpinLock() noexcept = default;
  // A lock that starts biased to the calling thread (when biasing is on): for locks
  // created by the thread that will use them first, which then saves one atomic.
  struct BiasToCaller {};
  explicit SpinLock(BiasToCaller) noexcept;

  WEFT_ALWAYS_INLINE void lock() noexcept {
    if (WEFT_LIKELY(bias_.load(std::memory_order_relaxed) == thread_ticket()) && enter_as_owner())
      return;
    lock_slow();
  }
  bool try_lock() noexcept;
  // Waits until no thread holds the lock, without taking it (so no bias is revoked).
  // For destructors: a fiber woken by a holder (a channel party hands over and wakes
  // under the lock) may destroy the object before that holder has unlocked.
  void wait_until_free() const noexcept;
  WEFT_ALWAYS_INLINE void unlock() noexcept {
    if ((bias_.load(std::memory_order_relaxed) & ~kRevoked) == thread_ticket() &&
        owner_inside_.load(std::memory_order_relaxed)) {
      owner_inside_.store(false, std::memory_order_release);
      return;
    }
    plain_.unlock();
  }

 private:
  static constexpr std::uint64_t kRevoked = std::uint64_t{1} << 63;
  // The owner's way in: announce itself, then check the bias was not revoked meanwhile.
  WEFT_ALWAYS_INLINE bool enter_as_owner() noexcept {
    owner_inside_.store(true, std::memory_order_relaxed);
    // Only a compiler fence: a revoker's membarrier orders this store before its check.
    std::atomic_signal_fence(std::memory_order_seq_cst);
    if (WEFT_LIKELY(!(bias_.load(std::memory_order_relaxed) & kRevoked))) return true;
    owner_inside_.store(false, std::memory_order_release);
    return false;
  }
  void lock_slow() noexcept;
  // Takes the bias for the calling thread if nobody has it; true when the caller now
  // holds the lock through the bias.
  bool try_bias() noexcept;
  void revoke(std::uint64_t bias) noexcept;

  std::atomic<std::uint64_t> bias_{0};  // owner's ticket (0: nobody yet) | kRevoked
  std::atomic<bool> owner_inside_{false};  // written only by the owner thread
  PlainSpinLock plain_;
};

// std::lock_guard for the kernel's hot paths, always inlined: in a large program the
// compiler's inlining budget can run out and turn every lock and unlock into two calls.
template <class Lock>
class [[nodiscard]] SpinGuard {
 public:
  WEFT_ALWAYS_INLINE explicit SpinGuard(Lock& lock) noexcept : lock_(lock) { lock_.lock(); }
  WEFT_ALWAYS_INLINE ~SpinGuard() { lock_.unlock(); }
  SpinGuard(const SpinGuard&) = delete;
  SpinGuard& operator=(const SpinGuard&) = delete;

 private:
  Lock& lock_;
};

// The same for a lock the caller already holds and may release early (std::unique_lock
// with adopt_lock, whose unlock() was left out of line in weft-bench, adding a call and
// ~3% to a channel round trip).
template <class Lock>
class [[nodiscard]] AdoptedSpinGuard {
 public:
  WEFT_ALWAYS_INLINE explicit AdoptedSpinGuard(Lock& held) noexcept : lock_(&held) {}
  WEFT_ALWAYS_INLINE ~AdoptedSpinGuard() {
    if (lock_) lock_->unlock();
  }
  WEFT_ALWAYS_INLINE void unlock() noexcept {
    lock_->unlock();
    lock_ = nullptr;
  }
  AdoptedSpinGuard(const AdoptedSpinGuard&) = delete;
  AdoptedSpinGuard& operator=(const AdoptedSpinGuard&) = delete;

 private:
  Lock* lock_;
};

}  // namespace weft::sched::detail
