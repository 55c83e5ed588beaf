// Promise<T> and Future<T>: a one-shot result handed from one fiber (or thread) to a
// waiting fiber. T may be void; T must be an object type that can be moved.
//
//   weft::Promise<int> promise;
//   weft::Future<int> future = promise.get_future();
//   auto setter = weft::spawn([&promise] { promise.set_value(42); });
//   int v = future.get();   // parks this fiber until the value is set
//   setter.join();
//
// A Promise and its Future share a state that is safe to use from any kernel thread:
// fibers of different runtimes (each on its own thread) may set and wait on the same
// pair. Setting never blocks; waiting parks the calling fiber (it never blocks the
// kernel thread). Everything the setter did before set_value/set_exception happens
// before get/wait returns.
//
// Deadlock reports: a fiber waiting on a future whose promise was created by its own
// runtime counts as stuck if every fiber of that runtime blocks (run() then reports a
// deadlock). When such a promise is completed from another thread, create it with
// weft::cross_thread; promises created outside any runtime are cross-thread already.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/future/detail/future_state.hpp"
#include "weft/future/future_errors.hpp"
#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft {

// What a timed wait on a future found.
enum class FutureStatus : std::uint8_t {
  ready,    // the result is set (get() will not block)
  timeout,  // the deadline passed first
};

// Tag: the promise will be completed from another thread or runtime (see above).
struct CrossThread {
  explicit CrossThread() = default;
};
inline constexpr CrossThread cross_thread{};

template <class T>
class Promise;

namespace detail {
// Tag for weft's own promises that name the runtime which will complete them.
struct PromiseHome {
  const sched::Scheduler* runtime;
};
}  // namespace detail

// The receiving end: a move-only handle to one result. Valid from Promise::get_future()
// until get() or a move; every call except valid() throws UsageError on an invalid
// future. Use a future from one fiber at a time.
template <class T>
class Future {
  static_assert(std::is_void_v<T> || (std::is_object_v<T> && std::is_move_constructible_v<T>),
                "weft::Future<T>: T must be void or a movable object type");

 public:
  using value_type = T;

  // An invalid future (no state).
  Future() noexcept = default;
  Future(Future&&) noexcept = default;
  Future& operator=(Future&&) noexcept = default;

  // True until get() or a move; false for a default-constructed future.
  bool valid() const noexcept { return state_ != nullptr; }

  // True when the result is set: get() and wait() will not block. Any thread.
  bool ready() const { return state("weft::Future::ready").ready(); }

  // Waits for the result, then returns the value or rethrows the stored exception
  // (BrokenPromise if the promise was destroyed unset). The future becomes invalid.
  // Throws Cancelled if the fiber is cancelled while waiting: the future then stays
  // valid and get() may be called again. Blocking needs a fiber (UsageError otherwise).
  T get() {
    auto& s = state("weft::Future::get");
    s.wait(std::nullopt, "weft::Future::get");
    std::shared_ptr<detail::FutureState<T>> keep = std::move(state_);
    return keep->take();
  }

  // Parks the calling fiber until the result is set. Throws Cancelled if the fiber is
  // cancelled meanwhile (the future stays valid).
  void wait() const { (void)state("weft::Future::wait").wait(std::nullopt, "weft::Future::wait"); }

  // Waits until the result is set or `timeout` has passed on the runtime's clock.
  // Cancellation as for wait(). A timeout of zero (or a deadline already passed) only
  // polls: it never blocks, so it works outside a fiber too.
  template <class Rep, class Period>
  FutureStatus wait_for(std::chrono::duration<Rep, Period> timeout) const {
    auto& s = state("weft::Future::wait_for");
    return status(s.wait(detail::future_deadline(timeout), "weft::Future::wait_for"));
  }

  // Waits until the result is set or `deadline` (runtime clock). Cancellation as wait().
  FutureStatus wait_until(TimePoint deadline) const {
    return status(state("weft::Future::wait_until").wait(deadline, "weft::Future::wait_until"));
  }

 private:
  friend class Promise<T>;
  friend struct detail::FutureAccess;

  explicit Future(std::shared_ptr<detail::FutureState<T>> state) noexcept
      : state_(std::move(state)) {}

  detail::FutureState<T>& state(const char* call) const {
    if (!state_)
      throw UsageError(std::string(call) +
                       ": the future has no state (its result was taken by get(), or it was "
                       "moved from or default-constructed)");
    return *state_;
  }
  static FutureStatus status(bool ready) noexcept {
    return ready ? FutureStatus::ready : FutureStatus::timeout;
  }

  std::shared_ptr<detail::FutureState<T>> state_;
};

// The sending end: sets the result of its Future exactly once. Move-only. Destroying a
// promise that has a state and no result stores BrokenPromise. set_* never block and
// may be called from any thread, inside or outside a runtime.
template <class T>
class Promise {
 public:
  // A promise expected to be completed on the calling thread's runtime (see the deadlock
  // note at the top); outside any runtime it is cross-thread.
  Promise() : Promise(detail::PromiseHome{sched::Scheduler::current()}) {}
  // A promise that may be completed from any thread or runtime.
  explicit Promise(CrossThread) : Promise(detail::PromiseHome{nullptr}) {}
  explicit Promise(detail::PromiseHome home)
      : state_(std::make_shared<detail::FutureState<T>>(home.runtime)) {}

  Promise(Promise&& other) noexcept = default;
  // Breaks the promise this one held (if unset), then takes over `other`'s state.
  Promise& operator=(Promise&& other) noexcept {
    if (this != &other) {
      abandon();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~Promise() { abandon(); }

  // False after a move.
  bool valid() const noexcept { return state_ != nullptr; }

  // The future of this promise. Throws UsageError on the second call.
  Future<T> get_future() {
    auto& s = state("weft::Promise::get_future");
    if (!s.mark_retrieved())
      throw UsageError("weft::Promise::get_future: the future was already retrieved");
    return Future<T>(state_);
  }

  // Sets the value and wakes the waiting fiber. Throws UsageError if a result was set
  // already; if copying/moving the value throws, that exception propagates and the
  // promise stays unset.
  template <class U = T>
    requires(!std::is_void_v<T> && std::is_constructible_v<T, U &&>)
  void set_value(U&& value) {
    schedule_point(sched::Op::Notify, state_.get());
    state("weft::Promise::set_value").set_value("weft::Promise::set_value", std::forward<U>(value));
  }
  // Sets the result of a Promise<void>.
  void set_value()
    requires std::is_void_v<T>
  {
    schedule_point(sched::Op::Notify, state_.get());
    state("weft::Promise::set_value").set_value("weft::Promise::set_value");
  }

  // Stores an exception for get() to rethrow. Throws UsageError if a result was set
  // already or `error` is null.
  void set_exception(std::exception_ptr error) {
    schedule_point(sched::Op::Notify, state_.get());
    state("weft::Promise::set_exception").set_exception(std::move(error), "weft::Promise::set_exception");
  }

 private:
  detail::FutureState<T>& state(const char* call) const {
    if (!state_) throw UsageError(std::string(call) + ": the promise was moved from");
    return *state_;
  }
  void abandon() noexcept {
    // No schedule point here: a destructor must not switch fibers under the checker.
    if (state_) std::exchange(state_, nullptr)->break_promise();
  }

  std::shared_ptr<detail::FutureState<T>> state_;
};

// A future that is ready with `value`.
template <class T>
Future<std::decay_t<T>> make_ready_future(T&& value) {
  Promise<std::decay_t<T>> promise(cross_thread);
  promise.set_value(std::forward<T>(value));
  return promise.get_future();
}
inline Future<void> make_ready_future() {
  Promise<void> promise(cross_thread);
  promise.set_value();
  return promise.get_future();
}

// A future that is ready with the exception `error` (which must not be null).
template <class T>
Future<T> make_exceptional_future(std::exception_ptr error) {
  Promise<T> promise(cross_thread);
  promise.set_exception(std::move(error));
  return promise.get_future();
}

}  // namespace weft
