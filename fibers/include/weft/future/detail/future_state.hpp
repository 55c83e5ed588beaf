// The shared state behind a Promise/Future pair. Internal to weft's headers; not part of
// the API.
//
// A state is a one-shot slot (a value or an exception) plus the queue of fibers waiting
// for it, guarded by a SpinLock and built on the kernel's claimed waits:
//   complete: claim() (an atomic flag: exactly one completion wins), store the value or
//             exception without the lock, then publish(): under the lock stamp the
//             completion order, set ready_, and claim + wake every waiter.
//   wait:     under the lock, if not ready push a Waiter and unlock; await(); relock and
//             unlink the node if it is still linked (timeout, cancel, unwinding).
// ready_ is released after the payload is written, so a reader that sees it set may
// read the payload without the lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "weft/detail/deadline.hpp"
#include "weft/future/future_errors.hpp"
#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::sched {
class Scheduler;
}

namespace weft::detail {

class FutureStateBase {
 public:
  // `home` is the runtime expected to complete the state, or null when it may be
  // completed from anywhere (see Promise and weft::cross_thread).
  explicit FutureStateBase(const sched::Scheduler* home) noexcept : home_(home) {}
  FutureStateBase(const FutureStateBase&) = delete;
  FutureStateBase& operator=(const FutureStateBase&) = delete;

  bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
  // Position in the process-wide order of completions; valid once ready().
  std::uint64_t completion_order() const noexcept { return order_; }

  // Blocks the calling fiber until ready (true) or `deadline` (false). A ready state
  // returns at once, from any thread. Throws Cancelled if the fiber is cancelled while
  // waiting, UsageError naming `call` if it must block outside a fiber.
  bool wait(std::optional<TimePoint> deadline, const char* call);

  // Blocks until one of `states` is ready and returns the index of the one that
  // completed first among the ready ones; nullopt at `deadline`. One wait ticket with a
  // node in every state's queue. Throws like wait(); UsageError if `states` is empty.
  static std::optional<std::size_t> wait_any(std::span<FutureStateBase* const> states,
                                             std::optional<TimePoint> deadline,
                                             const char* call);
  // The index of the earliest completed ready state, or nullopt if none is ready.
  static std::optional<std::size_t> earliest_ready(
      std::span<FutureStateBase* const> states) noexcept;

  // The first call returns true (hands out the Future); later calls false.
  bool mark_retrieved() noexcept { return !retrieved_.exchange(true, std::memory_order_acq_rel); }
  // True once a completion has been claimed (it may not be published yet).
  bool satisfied() const noexcept { return claimed_.load(std::memory_order_acquire); }

  // Stores BrokenPromise unless a result was set already. Never blocks.
  void break_promise() noexcept;
  // Stores `error`. Throws UsageError naming `call` if a result was set already or
  // `error` is null.
  void set_exception(std::exception_ptr error, const char* call);

 protected:
  ~FutureStateBase() = default;

  // Wins the right to complete the state; throws UsageError naming `call` otherwise.
  void claim(const char* call);
  // Gives the right back (storing the value threw).
  void unclaim() noexcept { claimed_.store(false, std::memory_order_release); }
  // Makes the stored result visible and wakes every waiter. Call once, after claim().
  void publish() noexcept;

  std::exception_ptr error_;

 private:
  sched::WaitQueue waiters_;          // guarded by lock_
  sched::detail::SpinLock lock_;
  std::atomic<bool> ready_{false};
  std::atomic<bool> claimed_{false};
  std::atomic<bool> retrieved_{false};
  std::uint64_t order_ = 0;           // written before ready_ is released
  const sched::Scheduler* home_;

  sched::WaitKind wait_kind() const noexcept;
  // One claimed wait over `states`; the earliest ready afterwards, or nullopt.
  static std::optional<std::size_t> wait_any_once(std::span<FutureStateBase* const> states,
                                                  std::optional<TimePoint> deadline,
                                                  sched::WaitKind kind, const char* call);
};

// The state of a Future<T>: the slot for a T (nothing for void).
template <class T>
class FutureState final : public FutureStateBase {
 public:
  using FutureStateBase::FutureStateBase;

  // Stores the value and wakes the waiters. Throws UsageError naming `call` if a result
  // was set already; if constructing the value throws, the state stays unset.
  template <class... Args>
  void set_value(const char* call, Args&&... args) {
    claim(call);
    if constexpr (!std::is_void_v<T>) {
      try {
        value_.emplace(std::forward<Args>(args)...);
      } catch (...) {
        unclaim();
        throw;
      }
    }
    publish();
  }

  // The result of a ready state: moves the value out or rethrows the exception.
  // Call once, after ready().
  T take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<T>) return std::move(*value_);
  }

 private:
  struct Nothing {};
  std::conditional_t<std::is_void_v<T>, Nothing, std::optional<T>> value_{};
};

// now() + timeout on the runtime's clock, rounded up; no deadline for a timeout beyond
// ~30 years (it would overflow the clock).
template <class Rep, class Period>
std::optional<TimePoint> future_deadline(std::chrono::duration<Rep, Period> timeout) {
  return finite(deadline_after(timeout));
}

// Friend access to a Future's state for when_all, when_any, wait_any and as_completed.
struct FutureAccess {
  template <class F>
  static auto* state(F& future) noexcept {
    return future.state_.get();
  }
};

}  // namespace weft::detail
