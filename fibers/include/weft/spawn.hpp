// Spawning fibers and joining them: weft::spawn and JoinHandle<T> (a runtime to run
// them on: weft/runtime.hpp).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft {

class Runtime;

using sched::FiberId;
using sched::Launch;

struct SpawnOptions {
  std::string name{};            // shown by dump(), deadlock and overflow reports
  std::size_t stack_size = 0;    // usable bytes; 0 = the runtime's default (64 KiB)
  Launch launch = Launch::Post;  // Post: queue it; Dispatch: run it now, caller continues later
  // Pins the fiber to this worker (0 .. workers-1 of the runtime): it runs only there.
  // Unset: it starts on the caller's worker and idle workers may steal it.
  std::optional<std::size_t> worker{};
};

// What happens to an exception that ends a fiber nobody joins: by default a line on
// stderr naming the fiber and the exception. Returns the previous handler.
using UnjoinedExceptionHandler =
    std::function<void(FiberId id, const std::string& name, std::exception_ptr error)>;
UnjoinedExceptionHandler set_unjoined_exception_handler(UnjoinedExceptionHandler handler);
// How many fiber exceptions were never joined in this process.
std::size_t unjoined_exception_count() noexcept;

namespace detail {

void report_unjoined(FiberId id, const std::string& name, std::exception_ptr error) noexcept;

// A fiber's outcome (its value or exception), as a JoinHandle<T> sees it.
template <class T>
class TaskFiber : public sched::Fiber {
 public:
  // The outcome; call only when finished. Rethrows the fiber's exception.
  T take() {
    observed_ = true;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    if constexpr (!std::is_void_v<T>) return std::move(*value_);
  }
  bool failed() const noexcept { return error_ != nullptr; }

 protected:
  // Starts with two references: the runtime's and the JoinHandle's.
  explicit TaskFiber(std::string&& name) : Fiber(std::move(name), 2) {}
  ~TaskFiber() override {
    if (error_ && !observed_) report_unjoined(id(), name(), error_);
  }

  template <class F>
  void run_function(F& fn) noexcept {
    try {
      if constexpr (std::is_void_v<T>)
        fn();
      else
        value_.emplace(fn());
    } catch (const sched::detail::Unwind&) {
      // Unwound at shutdown after a deadlock; the runtime reports that.
    } catch (...) {
      error_ = std::current_exception();
    }
  }

 private:
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> value_{};
  std::exception_ptr error_;
  bool observed_ = false;
};

// A fiber together with its function (stored as is: no type erasure, no extra allocation).
template <class T, class F>
class FunctionFiber final : public TaskFiber<T> {
 public:
  template <class G>
  FunctionFiber(std::string&& name, G&& fn) : TaskFiber<T>(std::move(name)), fn_(std::forward<G>(fn)) {}

 private:
  void run() noexcept override {
    this->run_function(*fn_);
    fn_.reset();  // release captures on the fiber, before joiners wake
  }
  std::optional<F> fn_;
};

}  // namespace detail

// Owns the right to join one fiber. Move-only. Dropping a handle (or detach()) lets the
// fiber run on; its exception, if any, then goes to the unjoined-exception handler.
template <class T>
class JoinHandle {
 public:
  JoinHandle() = default;
  explicit JoinHandle(detail::TaskFiber<T>* fiber) noexcept : fiber_(fiber) {}
  JoinHandle(JoinHandle&& other) noexcept : fiber_(std::exchange(other.fiber_, nullptr)) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      reset();
      fiber_ = std::exchange(other.fiber_, nullptr);
    }
    return *this;
  }
  ~JoinHandle() { reset(); }

  // True until join() or detach().
  bool joinable() const noexcept { return fiber_ != nullptr; }
  FiberId id() const { return fiber().id(); }
  const std::string& name() const { return fiber().name(); }
  bool finished() const { return fiber().finished(); }

  // Waits for the fiber to finish and returns its result or rethrows its exception.
  // Call from a fiber. Throws UsageError if not joinable or when joining itself;
  // throws Cancelled if the caller is cancelled while waiting (the handle stays joinable).
  T join(std::source_location where = std::source_location::current()) {
    wait_or_throw(std::nullopt, where);
    return take_finished();
  }

  // Waits until the fiber finished or the timeout passed; returns whether it finished.
  // The handle stays joinable either way. Throws Cancelled if the caller is cancelled.
  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(std::chrono::duration<Rep, Period> timeout,
                              std::source_location where = std::source_location::current()) {
    return wait_or_throw(detail::finite(detail::deadline_after(timeout)), where);
  }
  [[nodiscard]] bool wait_until(TimePoint deadline,
                                std::source_location where = std::source_location::current()) {
    return wait_or_throw(detail::finite(deadline), where);
  }

  // Asks the fiber to stop: its current or next blocking call throws weft::Cancelled.
  void cancel() { fiber().request_cancel(); }

  // Gives up the right to join; the fiber runs on.
  void detach() {
    fiber();
    reset();
  }

 private:
  friend class Runtime;

  T take_finished() {
    if (!fiber().finished()) throw UsageError("weft::JoinHandle: the fiber has not finished");
    auto* f = std::exchange(fiber_, nullptr);
    struct Drop {
      detail::TaskFiber<T>* f;
      ~Drop() { f->release(); }
    } drop{f};
    return f->take();
  }
  sched::Fiber& fiber() const {
    if (!fiber_) throw UsageError("weft::JoinHandle: the handle is empty (joined, detached or moved)");
    return *fiber_;
  }
  bool wait_or_throw(std::optional<TimePoint> deadline, std::source_location where) {
    sched::WakeReason reason = sched::join(fiber(), deadline, where);
    if (reason == sched::WakeReason::Cancelled) throw Cancelled();
    return reason == sched::WakeReason::Notified;
  }
  void reset() noexcept {
    if (fiber_) std::exchange(fiber_, nullptr)->release();
  }

  detail::TaskFiber<T>* fiber_ = nullptr;
};

namespace detail {
template <class F>
using SpawnResult = std::invoke_result_t<std::decay_t<F>&>;

template <class F>
auto make_task(F&& fn, std::string&& name) {
  using T = SpawnResult<F>;
  return static_cast<TaskFiber<T>*>(
      new FunctionFiber<T, std::decay_t<F>>(std::move(name), std::forward<F>(fn)));
}
}  // namespace detail

// Starts `fn` as a new fiber on the calling fiber's worker. Throws UsageError outside a
// runtime or while it shuts down.
template <class F>
[[nodiscard("drop the handle explicitly with .detach()")]] auto spawn(
    F&& fn, SpawnOptions options = {}, std::source_location where = std::source_location::current())
    -> JoinHandle<detail::SpawnResult<F>> {
  auto* fiber = detail::make_task(std::forward<F>(fn), std::move(options.name));
  JoinHandle<detail::SpawnResult<F>> handle(fiber);
  sched::start(*fiber, sched::StartOptions{options.stack_size, options.launch, options.worker}, where);
  return handle;
}

// Starts `fn` pinned to worker `worker` of the calling fiber's runtime (spawn with
// SpawnOptions::worker). Throws UsageError if the runtime has no such worker.
template <class F>
[[nodiscard("drop the handle explicitly with .detach()")]] auto spawn_on(
    std::size_t worker, F&& fn, SpawnOptions options = {},
    std::source_location where = std::source_location::current()) -> JoinHandle<detail::SpawnResult<F>> {
  options.worker = worker;
  return spawn(std::forward<F>(fn), std::move(options), where);
}

}  // namespace weft
