// Helpers for the sync-primitive tests: single-thread settling, cancelling a blocked call,
// multi-thread runs and the stress scale.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "weft/weft.hpp"
#include "support/workers.hpp"

namespace weft_test {

// On a single-thread runtime, lets every other ready fiber run until it blocks: each
// yield runs every ready fiber once, and a fiber spawned to block parks within a few.
inline void let_others_run(int rounds = 4) {
  for (int i = 0; i < rounds; ++i) weft::this_fiber::yield();
}

// Spawns a fiber that makes `blocking_call` (which must park), waits until it has
// parked (on several workers a few yields may not be enough), cancels the fiber and
// joins it. True when the call threw Cancelled; an exception of another kind comes out
// of the join.
template <class Call>
bool cancelled_while_blocked(Call blocking_call) {
  bool cancelled = false;
  ParkWatch watch;
  auto victim = weft::spawn([&] {
    watch.publish();
    try {
      blocking_call();
    } catch (const weft::Cancelled&) {
      cancelled = true;
    }
  });
  (void)watch.yield_until_parked();  // if it never parks, the cancel still ends the call
  victim.cancel();
  victim.join();
  return cancelled;
}

// Milliseconds on the runtime clock since `start`.
inline double ms_since(weft::TimePoint start) {
  return std::chrono::duration<double, std::milli>(weft::now() - start).count();
}

// Runs `body(thread_index)` as the first fiber of its own runtime on each of `threads`
// kernel threads and waits for all of them. Fibers here wait for fibers of other
// threads: deadlock detection agrees across runtimes. Rethrows the first failure.
template <class Body>
void run_on_threads(int threads, Body body) {
  std::mutex errors_lock;
  std::exception_ptr first_error;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        weft::run([&] { body(t); });
      } catch (...) {
        std::lock_guard guard(errors_lock);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

// Multiplies the iteration counts of stress tests: WEFT_STRESS_SCALE (default 1; the
// 'stress' suite sets a large value, the 'fast' suite runs the default).
inline std::uint64_t stress_scale() {
  const char* env = std::getenv("WEFT_STRESS_SCALE");
  const std::uint64_t scale = env ? std::strtoull(env, nullptr, 10) : 1;
  return scale == 0 ? 1 : scale;
}

}  // namespace weft_test
