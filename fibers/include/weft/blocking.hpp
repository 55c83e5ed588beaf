// Work that would stall a worker -- a blocking system call, a library without a
// non-blocking API, seconds of computation -- runs on the runtime's blocking pool, a
// separate set of kernel threads, while the calling fiber parks and its worker runs the
// other fibers:
//
//   std::string text = weft::blocking([&] { return decompress(path); });
//   weft::Future<Report> later = weft::spawn_blocking([&] { return scan(disk); });
//   if (later.wait_for(2s) == weft::FutureStatus::timeout) ...
//
// blocking(fn) returns fn's value or rethrows its exception. spawn_blocking(fn) returns
// at once with a future of it (for a timeout or several jobs at once). The pool grows
// on demand up to RuntimeOptions::blocking_threads (further jobs queue) and shrinks when
// idle (RuntimeOptions::blocking_idle_timeout); see weft/sched/blocking_pool.hpp.
//
// fn runs on another kernel thread: it must not call weft's fiber functions (spawn,
// sleep, a Mutex's lock...), only thread-safe code; what it shares with fibers needs
// the usual thread-safe care (a promise, a std::atomic, weft's channels are all fine).
// A fiber cancelled while it waits in blocking() gets weft::Cancelled at once; fn still
// runs to its end (a kernel thread cannot be cancelled) and its result is dropped.
//
// Under the interleaving checker, fn runs in the calling fiber itself, so that a run
// stays deterministic.
#pragma once

#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "weft/errors.hpp"
#include "weft/future/future.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/blocking_pool.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft {

namespace detail {

template <class R, class F>
void complete(Promise<R>& promise, F& fn) {
  try {
    if constexpr (std::is_void_v<R>) {
      fn();
      promise.set_value();
    } else {
      promise.set_value(fn());
    }
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
}

template <class R, class F>
class BlockingJob final : public sched::BlockingPool::Job {
 public:
  BlockingJob(Promise<R> promise, F fn) : promise_(std::move(promise)), fn_(std::move(fn)) {}
  void run() noexcept override { complete(promise_, fn_); }

 private:
  Promise<R> promise_;
  F fn_;
};

}  // namespace detail

// Runs fn on the calling fiber's blocking pool; returns a future of its result.
// Throws UsageError outside a fiber.
template <class F>
auto spawn_blocking(F&& fn) -> Future<std::invoke_result_t<std::decay_t<F>&>> {
  using R = std::invoke_result_t<std::decay_t<F>&>;
  sched::Scheduler* scheduler = sched::Scheduler::current();
  if (scheduler == nullptr || sched::current_fiber() == nullptr)
    throw UsageError("weft::blocking must be called from a fiber");
  Promise<R> promise{cross_thread};
  Future<R> future = promise.get_future();
  if (sched::detail::instrumentation() != nullptr) {  // a controlled run: stay on its thread
    std::decay_t<F> inline_fn(std::forward<F>(fn));
    detail::complete(promise, inline_fn);
    return future;
  }
  scheduler->blocking_pool().submit(std::make_unique<detail::BlockingJob<R, std::decay_t<F>>>(
      std::move(promise), std::decay_t<F>(std::forward<F>(fn))));
  return future;
}

// Runs fn on the blocking pool and parks the calling fiber until it has returned;
// returns its value or rethrows its exception.
template <class F>
auto blocking(F&& fn) -> std::invoke_result_t<std::decay_t<F>&> {
  return spawn_blocking(std::forward<F>(fn)).get();
}

}  // namespace weft
