// What starting a runtime costs: the stack-overflow guard is set up once per kernel
// thread and kept, and the idle wait's eventfd is made only when a worker first sleeps
// (the checker starts runtimes thousands of times a second).
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <weft/weft.hpp>
#include "support/workers.hpp"

using namespace std::chrono_literals;

namespace {

// The calling thread's alternate signal stack, or null when it has none.
void* alt_stack() {
  stack_t ss{};
  if (::sigaltstack(nullptr, &ss) != 0) return nullptr;
  return (ss.ss_flags & SS_DISABLE) ? nullptr : ss.ss_sp;
}

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("a thread keeps the overflow guard's alternate stack from one run to the next", "[sched]") {
  // A fresh thread, so that what ran on the main thread before does not count. It may
  // have an alternate stack already (sanitizers give every thread one): then it keeps it.
  void *before = nullptr, *during = nullptr, *after = nullptr, *second = nullptr, *after_second = nullptr;
  std::thread([&] {
    before = alt_stack();
    weft::run([&] { during = alt_stack(); });
    after = alt_stack();
    weft::run([&] { second = alt_stack(); });
    after_second = alt_stack();
  }).join();
  CHECK(during != nullptr);
  if (before != nullptr) CHECK(during == before);
  CHECK(after == during);  // still there after the run
  CHECK(second == during);  // and the next run uses the same one
  CHECK(after_second == during);
}

TEST_CASE("a runtime makes its eventfd only when its worker first sleeps", "[sched]") {
  std::size_t before = 0, busy = 0, slept = 0;
  {
    weft::Runtime runtime(weft_test::one_worker());  // the fds of one worker's sleep
    before = open_fds();
    runtime.run([&] {
      weft::this_fiber::yield();
      busy = open_fds();
      weft::this_fiber::sleep_for(1ms);  // nothing else to run: the worker sleeps
      slept = open_fds();
    });
  }
  CHECK(busy == before);
  CHECK(slept == before + 1);
  CHECK(open_fds() == before);  // closed with the runtime
}
