// The fiber control block: the kernel's record of one fiber. Users meet fibers through
// weft::spawn and JoinHandle; this type is for code that builds primitives on the
// kernel (park/unpark, WaitQueue) and for introspection (dump).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "weft/sched/detail/context.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/sched/wait_record.hpp"

namespace weft::sched {

using FiberId = std::uint64_t;

enum class FiberState : std::uint8_t {
  Ready,    // runnable, waiting for a worker
  Running,  // on a worker now
  Parked,   // blocked in a wait (see wait_record())
  Done,     // body finished; the control block lives until its last reference goes
};

const char* to_string(FiberState state) noexcept;

namespace detail {
class Worker;
class FiberLocalSlots;
}  // namespace detail

class Fiber {
 public:
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  FiberId id() const noexcept { return id_; }
  // The name given at spawn; empty for unnamed fibers (reports then say "fiber #<id>").
  const std::string& name() const noexcept { return name_; }
  FiberState state() const noexcept { return state_.load(std::memory_order_acquire); }
  // What the fiber waits on while Parked (a snapshot; racy when read from another thread).
  WaitRecord wait_record() const noexcept { return record_; }
  bool is_thread_context() const noexcept { return is_thread_; }

  // A bookkeeping word that belongs to the installed Instrumentation (the checker keeps
  // the fiber's number in its run there instead of looking it up by address). Zero for
  // a new fiber; the kernel never reads it, so it is no part of the fiber's state.
  std::uint32_t instrumentation_tag() const noexcept { return instrumentation_tag_; }
  void set_instrumentation_tag(std::uint32_t tag) const noexcept { instrumentation_tag_ = tag; }

  // Reference counting: the runtime holds one reference while the fiber is alive, and
  // each handle (JoinHandle) one more. The block is destroyed with its last reference.
  // retain() only while a reference is known to be held (the fiber has not ended, or
  // the caller holds one): a count of 1 then cannot grow behind the last holder's back.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  WEFT_ALWAYS_INLINE void release() noexcept {
    // The last holder frees without an atomic read-modify-write (~5 ns here).
    if (refs_.load(std::memory_order_acquire) == 1 || refs_.fetch_sub(1, std::memory_order_acq_rel) == 1)
      destroy();
  }

  // Requests cancellation: the fiber's current or next cancellable wait ends with
  // WakeReason::Cancelled (delivered once per request). Safe from any thread.
  void request_cancel() noexcept;
  bool cancel_pending() const noexcept { return cancel_pending_.load(std::memory_order_acquire); }
  // Drops a pending cancellation request; returns whether there was one. For a fiber
  // that runs unrelated jobs one after another (an executor worker): a request that
  // arrived after one job's last wait must not cancel the next job.
  bool clear_cancel() noexcept {
    return cancel_pending_.load(std::memory_order_relaxed) && cancel_pending_.exchange(false);
  }

  // True once the body has run to its end (state() == Done).
  bool finished() const noexcept { return state() == FiberState::Done; }
  // True once the fiber has been switched to at least once (it owns a stack).
  bool started() const noexcept { return context_.started(); }

  // Intrusive links owned by whichever run queue holds the fiber (scheduling policies,
  // worker inboxes). A fiber is in at most one run queue at a time.
  struct RunLink {
    Fiber* prev = nullptr;
    Fiber* next = nullptr;
    // The FifoPolicy queue holding it (FifoPolicy::id), 0 for none. Atomic (relaxed) so
    // another worker may ask "is it in my queue?" of a fiber that is elsewhere.
    std::atomic<std::uint32_t> queue{0};
    bool jumped = false;   // queued ahead of others (a hand-off)
    bool pinned = false;   // stays on its worker (spawn_on): never published for stealing
  };
  RunLink& run_link() noexcept { return run_link_; }
  const RunLink& run_link() const noexcept { return run_link_; }

  // Room for a small value that a claimer hands to this fiber while it waits (a
  // channel's receive slot or send offer): it shares a cache line with the wait word
  // that the claimer writes anyway, so a hand-off between workers moves one line
  // instead of two. For the fiber's own blocking call, one wait at a time; what is
  // placed here must be trivially copyable and destructible.
  static constexpr std::size_t kHandoffBytes = 24;
  void* handoff_slot() noexcept { return handoff_; }
  // Whether a U may be placed in the hand-off slot.
  template <class U>
  static constexpr bool fits_handoff = std::is_trivially_copyable_v<U> && std::is_trivially_destructible_v<U> &&
                                       sizeof(U) <= kHandoffBytes && alignof(U) <= 8;

  // Control blocks (of every Fiber subclass) come from a per-thread cache of recently
  // freed blocks, so spawning does not go to malloc (see src/memory/fiber_memory.cpp).
  static void* operator new(std::size_t size);
  static void operator delete(void* block, std::size_t size) noexcept;

 protected:
  // `initial_refs`: 1 for the runtime, plus one per handle the creator keeps.
  explicit Fiber(std::string&& name, std::uint32_t initial_refs = 1, bool thread_context = false);
  virtual ~Fiber();
  // Runs the fiber's function. Must not throw: implementations keep the outcome.
  virtual void run() noexcept = 0;
  // Frees this control block (called with the last reference).
  virtual void destroy() noexcept { delete this; }

 private:
  friend class detail::Worker;
  friend struct FiberAccess;

  // Identity and introspection.
  FiberId id_;
  std::string name_;
  std::atomic<FiberState> state_{FiberState::Ready};
  WaitRecord record_{};
  bool is_thread_ = false;

  std::atomic<std::uint32_t> refs_;

  RunLink run_link_;
  // Machine context and placement.
  detail::Context context_;
  detail::Worker* worker_ = nullptr;   // the worker it runs on (or last ran on)
  detail::Worker* registered_on_ = nullptr;  // whose registry lists it (where it started)
  std::size_t stack_size_ = 0;

  // Raw park/unpark handshake (see kernel.cpp): Running, Notified, Parking, Parked.
  // From here to handoff_: one cache line (the blocks are 64-byte aligned, see
  // fiber_memory.cpp), what a waker on another worker touches.
  std::atomic<std::uint8_t> park_state_{0};

  // Claimed waits (see wait_queue.hpp; layout in src/wait_word.hpp): epoch and state.
  std::atomic<std::uint64_t> wait_word_{3};
  WakeReason wake_reason_ = WakeReason::Notified;
  std::uintptr_t wake_detail_ = 0;
  // The epoch of the claimed wait it sleeps in (switched out), 0 while it does not.
  // Written and read by the worker it sleeps on; atomic only for stale wake-ups read
  // by another worker after a migration (see Worker::enqueue_woken).
  std::atomic<std::uint64_t> sleep_epoch_{0};
  alignas(8) std::byte handoff_[kHandoffBytes];

  Fiber* registry_prev_ = nullptr;
  Fiber* registry_next_ = nullptr;
  Fiber* ended_next_ = nullptr;  // on its registry's list of fibers that ended elsewhere
  std::atomic<bool> cancel_pending_{false};
  bool unwinding_ = false;   // shutting down: waits throw detail::Unwind
  mutable std::uint32_t instrumentation_tag_ = 0;  // in the padding before join_lock_

  // Fibers blocked in join() on this one; guarded by join_lock_.
  detail::SpinLock join_lock_;
  WaitQueue joiners_;
  // The joiner that took this fiber off its worker's queue before it ever ran, to run it
  // at once (see join in kernel.cpp). It registers here without the lock: it writes
  // before this fiber starts and the end reads after. taker_left_ (under join_lock_):
  // it stopped waiting (cancelled), so the end must not wake it.
  WaitTicket taker_{};
  bool taker_left_ = false;

  // The C++ runtime's per-thread exception state (caught exceptions, uncaught count),
  // saved while the fiber is switched out: a fiber may block inside a catch block.
  struct ExceptionState {
    void* caught = nullptr;
    unsigned int uncaught = 0;
  } exceptions_;

  // Fiber-local storage, created on first use.
  detail::FiberLocalSlots* locals_ = nullptr;
};

}  // namespace weft::sched
