// Executor: a bounded pool of worker fibers that runs submitted functions and hands
// their results back as futures.
//
//   weft::Executor pool(4);                          // 4 worker fibers on this runtime
//   weft::Future<int> f = pool.submit([] { return 6 * 7; });
//   std::vector<int> squares = pool.map([](int x) { return x * x; }, inputs);
//   pool.shutdown();                                 // or let the destructor drain
//
// The pool keeps at most `queue_capacity` tasks queued (accepted, not yet started), so
// at most workers + queue_capacity are in flight. submit() parks the submitting fiber
// while the queue is full; try_submit() never blocks and returns std::nullopt instead.
//
// Workers are fibers of the runtime that constructed the executor: they interleave
// with its other fibers and never block the kernel thread. A task that blocks (on a
// future, a sleep, ...) parks only its worker. Futures of tasks may be waited on from
// any fiber, also of other runtimes. Do not block on a full queue from a task of the
// same executor (a pool whose workers all wait for queue space deadlocks; run()
// reports it).
//
// Shutdown is explicit or done by the destructor:
//   drain   stop accepting, run every queued task, then the workers exit;
//   cancel  stop accepting, drop the queued tasks (their futures throw TaskCancelled),
//           cancel the running tasks through their worker fiber (their next blocking
//           call throws weft::Cancelled, which their futures then hold unless the task
//           catches it) and request stop on stop_token().
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "weft/future/detail/executor_queue.hpp"
#include "weft/future/future.hpp"
#include "weft/future/future_errors.hpp"
#include "weft/spawn.hpp"
#include "weft/stop_token.hpp"

namespace weft {

// How Executor::shutdown treats queued and running work.
enum class ShutdownMode : std::uint8_t {
  drain,   // run everything queued, then stop
  cancel,  // drop the queued tasks, cancel the running ones
};

struct ExecutorOptions {
  std::size_t workers = 4;            // worker fibers (at least 1)
  std::size_t queue_capacity = 256;   // queued, not yet started tasks (at least 1)
  std::string name = "executor";      // workers are named "<name>-<i>" in dumps
  std::size_t stack_size = 0;         // stack of each worker; 0 = the runtime's default
  // Set when fibers of other runtimes submit: idle workers then wait as on something
  // external, so their runtime does not report a deadlock while they wait for work.
  bool remote_submitters = false;
};

namespace detail {

template <class F>
using ExecutorResult = std::invoke_result_t<std::decay_t<F>&>;

// A submitted function and its promise. The function (and what it captured) is
// destroyed before the future becomes ready.
template <class R, class F>
class ExecutorTaskImpl final : public ExecutorTask {
 public:
  template <class G>
  ExecutorTaskImpl(G&& fn, Promise<R> promise)
      : fn_(std::in_place, std::forward<G>(fn)), promise_(std::move(promise)) {}

  void run() override {
    std::exception_ptr error;
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
    try {
      if constexpr (std::is_void_v<R>) {
        (*fn_)();
        result.emplace(true);
      } else {
        result.emplace((*fn_)());
      }
    } catch (const sched::detail::Unwind&) {
      throw;  // the runtime is unwinding this worker; the promise breaks
    } catch (...) {
      error = std::current_exception();
    }
    fn_.reset();
    if (error) {
      promise_.set_exception(error);
    } else if constexpr (std::is_void_v<R>) {
      promise_.set_value();
    } else {
      try {
        promise_.set_value(std::move(*result));
      } catch (...) {
        promise_.set_exception(std::current_exception());  // moving R threw
      }
    }
  }

  void drop() noexcept override {
    fn_.reset();
    try {
      promise_.set_exception(std::make_exception_ptr(TaskCancelled()));
    } catch (...) {
      // No memory for the exception: the promise breaks when the task is destroyed.
    }
  }

 private:
  std::optional<F> fn_;
  Promise<R> promise_;
};

}  // namespace detail

class Executor {
 public:
  // Starts `workers` worker fibers on the calling fiber's runtime with room for
  // `queue_capacity` queued tasks. Throws UsageError outside a fiber or for a zero count.
  explicit Executor(std::size_t workers, std::size_t queue_capacity = 256);
  explicit Executor(ExecutorOptions options);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // shutdown(ShutdownMode::drain) if it was not shut down: waits for every queued task.
  // If that wait is cancelled (or the executor is destroyed outside a fiber), the
  // workers finish the queue on their own; the runtime waits for them.
  ~Executor();

  // Queues `fn` (callable with no arguments) and returns the future of its result or
  // exception. Parks while the queue is full. Throws UsageError after shutdown (also
  // when shutdown starts while parked) and Cancelled if the fiber is cancelled while
  // parked; `fn` is then not run. Call from a fiber.
  template <class F>
  auto submit(F&& fn) -> Future<detail::ExecutorResult<F>> {
    auto [task, future] = package(std::forward<F>(fn));
    // A copy: a submitter parked on another thread may wake after shutdown() returned
    // and the executor is gone; the queue must outlive its push.
    const std::shared_ptr<detail::ExecutorQueue> queue = queue_;
    queue->push(task, "weft::Executor::submit");
    return std::move(future);
  }

  // Queues `fn` if there is room; std::nullopt if the queue is full (`fn` is then
  // destroyed unrun). Never blocks; safe from any thread. Throws UsageError after shutdown.
  template <class F>
  auto try_submit(F&& fn) -> std::optional<Future<detail::ExecutorResult<F>>> {
    auto [task, future] = package(std::forward<F>(fn));
    if (!queue_->try_push(task, "weft::Executor::try_submit")) return std::nullopt;
    return std::optional<Future<detail::ExecutorResult<F>>>(std::move(future));
  }

  // Runs fn(element) for every element of `range` on the workers and returns the
  // results in input order. Each element is copied into its task; `fn` is shared by all
  // tasks (not copied) and may run interleaved on several workers. Submits like
  // submit() (parking while the queue is full), then waits for every task. If any
  // failed, rethrows the exception of the first failing element in input order (after
  // all finished). For a void fn it returns nothing. If the caller is cancelled
  // (Cancelled) or submit fails midway, the tasks already submitted still run.
  template <class F, std::ranges::input_range R>
  auto map(F&& fn, R&& range) {
    using Element = std::ranges::range_value_t<R>;
    using Fn = std::decay_t<F>;
    using Result = std::invoke_result_t<Fn&, Element&>;
    auto shared = std::make_shared<Fn>(std::forward<F>(fn));
    std::vector<Future<Result>> futures;
    if constexpr (std::ranges::sized_range<R>) futures.reserve(std::ranges::size(range));
    for (auto&& element : range)
      futures.push_back(submit([shared, copy = Element(element)]() mutable -> Result {
        return (*shared)(copy);
      }));
    for (Future<Result>& f : futures) f.wait();
    std::exception_ptr first;
    if constexpr (std::is_void_v<Result>) {
      for (Future<Result>& f : futures) take(f, first);
      if (first) std::rethrow_exception(first);
    } else {
      std::vector<Result> results;
      results.reserve(futures.size());
      for (Future<Result>& f : futures)
        if (auto v = take(f, first)) results.push_back(std::move(*v));
      if (first) std::rethrow_exception(first);
      return results;
    }
  }

  // Stops accepting work and waits until every worker has exited (see the modes at the
  // top). May be called again: drain then cancel escalates; otherwise it only waits.
  // Call from a fiber that is not one of this executor's workers (UsageError). Throws
  // Cancelled if the caller is cancelled while waiting; shutting down then continues.
  void shutdown(ShutdownMode mode = ShutdownMode::drain);

  // True once shutdown started (submit then throws UsageError).
  bool is_shutdown() const noexcept { return queue_->closed(); }
  std::size_t workers() const noexcept { return workers_.size(); }
  std::size_t capacity() const noexcept { return queue_->capacity(); }
  // Tasks queued and not yet started; tasks running now. Snapshots.
  std::size_t queued() const noexcept { return queue_->queued(); }
  std::size_t active() const noexcept { return queue_->active(); }
  // Stop is requested on this token by shutdown(ShutdownMode::cancel): long-running
  // tasks may poll it.
  StopToken stop_token() const noexcept { return stop_.get_token(); }

 private:
  template <class F>
  auto package(F&& fn) {
    using R = detail::ExecutorResult<F>;
    Promise<R> promise(detail::PromiseHome{home_});
    Future<R> future = promise.get_future();
    std::unique_ptr<detail::ExecutorTask> task =
        std::make_unique<detail::ExecutorTaskImpl<R, std::decay_t<F>>>(std::forward<F>(fn),
                                                                         std::move(promise));
    return std::pair{std::move(task), std::move(future)};
  }

  template <class T>
  static auto take(Future<T>& f, std::exception_ptr& first) {
    if constexpr (std::is_void_v<T>) {
      try {
        f.get();
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    } else {
      std::optional<T> value;
      try {
        value.emplace(f.get());
      } catch (...) {
        if (!first) first = std::current_exception();
      }
      return value;
    }
  }

  const sched::Scheduler* home_;
  std::shared_ptr<detail::ExecutorQueue> queue_;
  StopSource stop_;
  std::vector<JoinHandle<void>> workers_;
  std::vector<FiberId> worker_ids_;
};

}  // namespace weft
