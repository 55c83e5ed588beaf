// wait_any: park until the first of several futures is ready, without helper fibers.
//
// The calling fiber opens one wait and publishes a node in the wait queue of every
// future; the first completion claims the wait (see weft/sched/wait_queue.hpp), so the
// fiber wakes exactly once however many complete together.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "weft/future/detail/future_state.hpp"
#include "weft/future/future.hpp"

namespace weft {

namespace detail {
template <class T>
std::vector<FutureStateBase*> states_of(std::vector<Future<T>>& futures, const char* call) {
  std::vector<FutureStateBase*> states;
  states.reserve(futures.size());
  for (Future<T>& f : futures) {
    if (!f.valid()) throw UsageError(std::string(call) + ": an element is not a valid future");
    states.push_back(FutureAccess::state(f));
  }
  return states;
}
}  // namespace detail

// Waits until `deadline` (runtime clock) for one of `futures` to be ready and returns its
// index: of those ready when the call returns, the one that completed first. nullopt at
// the deadline. Ready futures make it return at once, from any thread. Throws Cancelled
// if the fiber is cancelled while waiting (the futures are untouched), UsageError if
// `futures` is empty or holds an invalid future, or if it must block outside a fiber.
template <class T>
std::optional<std::size_t> wait_any_until(std::vector<Future<T>>& futures, TimePoint deadline) {
  auto states = detail::states_of(futures, "weft::wait_any_until");
  return detail::FutureStateBase::wait_any(states, deadline, "weft::wait_any_until");
}

// wait_any_until(now() + timeout).
template <class T, class Rep, class Period>
std::optional<std::size_t> wait_any_for(std::vector<Future<T>>& futures,
                                        std::chrono::duration<Rep, Period> timeout) {
  auto states = detail::states_of(futures, "weft::wait_any_for");
  return detail::FutureStateBase::wait_any(states, detail::future_deadline(timeout),
                                           "weft::wait_any_for");
}

// Waits without a deadline; otherwise as wait_any_until.
template <class T>
std::size_t wait_any(std::vector<Future<T>>& futures) {
  auto states = detail::states_of(futures, "weft::wait_any");
  return *detail::FutureStateBase::wait_any(states, std::nullopt, "weft::wait_any");
}

}  // namespace weft
