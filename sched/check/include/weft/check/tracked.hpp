// Tracked memory and assertions for checker scenarios. Every access to a Shared or Atomic
// is a schedule point (many real races hide between two accesses, not between two
// locks) and feeds the race detector. Outside the checker they behave like a plain
// variable and a std::atomic; WEFT_ASSERT throws weft::check::AssertionFailed.
#pragma once

#include <atomic>
#include <cstddef>
#include <source_location>
#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/instrumentation.hpp"

namespace weft::check {

class AssertionFailed : public sched::Error {
 public:
  using sched::Error::Error;
};

namespace detail {
// Under the checker: records the failure and ends the run. Otherwise throws.
[[noreturn]] void assertion_failed(const char* expression, std::source_location where);
inline void access(const void* object, bool write, sched::Op op, std::source_location where) {
  if (sched::Instrumentation* hooks = sched::detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr)) {
    hooks->schedule_point(op, object, where);
    hooks->on_access(object, write, where);
  }
}
}  // namespace detail

// A variable shared between fibers whose accesses the checker orders and checks for
// data races. Not atomic: two fibers on different threads must synchronise as usual.
template <class T>
class Shared {
 public:
  Shared() = default;
  explicit Shared(T value) : value_(std::move(value)) {}
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  T load(std::source_location where = std::source_location::current()) const {
    detail::access(this, false, sched::Op::Load, where);
    return value_;
  }
  void store(T value, std::source_location where = std::source_location::current()) {
    detail::access(this, true, sched::Op::Store, where);
    value_ = std::move(value);
  }
  // Read-modify-write in one step of the schedule (still a race if unsynchronised).
  template <class F>
  void update(F&& fn, std::source_location where = std::source_location::current()) {
    detail::access(this, true, sched::Op::Rmw, where);
    fn(value_);
  }

 private:
  T value_{};
};

// An atomic whose operations are schedule points. Atomic operations synchronise
// (release/acquire), so they never race with each other.
template <class T>
class Atomic {
 public:
  Atomic() = default;
  explicit Atomic(T value) : value_(value) {}

  T load(std::source_location where = std::source_location::current()) const {
    point(sched::Op::Load, where);
    sched::hb_acquire(this);
    return value_.load();
  }
  void store(T value, std::source_location where = std::source_location::current()) {
    point(sched::Op::Store, where);
    sched::hb_release(this);
    value_.store(value);
  }
  T fetch_add(T delta, std::source_location where = std::source_location::current()) {
    point(sched::Op::Rmw, where);
    sched::hb_acquire(this);
    sched::hb_release(this);
    return value_.fetch_add(delta);
  }
  T exchange(T value, std::source_location where = std::source_location::current()) {
    point(sched::Op::Rmw, where);
    sched::hb_acquire(this);
    sched::hb_release(this);
    return value_.exchange(value);
  }
  bool compare_exchange_strong(T& expected, T desired,
                               std::source_location where = std::source_location::current()) {
    point(sched::Op::Rmw, where);
    sched::hb_acquire(this);
    bool ok = value_.compare_exchange_strong(expected, desired);
    if (ok) sched::hb_release(this);
    return ok;
  }
  // May fail spuriously; under the checker that failure is a recorded choice.
  bool compare_exchange_weak(T& expected, T desired,
                             std::source_location where = std::source_location::current()) {
    point(sched::Op::Rmw, where);
    sched::hb_acquire(this);
    if (sched::choose(2, sched::Choice::CasFailure) == 1) {
      expected = value_.load();
      return false;
    }
    bool ok = value_.compare_exchange_strong(expected, desired);
    if (ok) sched::hb_release(this);
    return ok;
  }

 private:
  void point(sched::Op op, std::source_location where) const { sched::schedule_point(op, this, where); }
  std::atomic<T> value_{};
};

// The scenario's own nondeterministic choice: a value in [0, n). Explored (and recorded
// in the schedule) under the checker; 0 otherwise.
inline std::size_t choose(std::size_t n) { return n <= 1 ? 0 : sched::choose(n, sched::Choice::Data); }

}  // namespace weft::check

// Checks a condition in a scenario: under the checker a failure ends the run and is
// reported with its schedule; elsewhere it throws weft::check::AssertionFailed.
#define WEFT_ASSERT(expr)                                                                \
  do {                                                                                   \
    if (!(expr))                                                                         \
      ::weft::check::detail::assertion_failed(#expr, std::source_location::current());   \
  } while (0)
