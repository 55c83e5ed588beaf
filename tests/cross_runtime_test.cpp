// Runtimes on different kernel threads sharing primitives: deadlock detection agrees
// across the runtimes that are running at the time.
#include <catch2/catch.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("a runtime waiting for another runtime's fiber is not reported as deadlocked",
          "[deadlock]") {
  for (int round = 0; round < 50; ++round) {
    weft::Event ping, pong;
    std::atomic<bool> failed{false};
    std::optional<std::thread> other;
    try {
      weft::run([&] {
        // Started from inside this runtime, so both are running while they wait.
        other.emplace([&] {
          try {
            weft::run([&] {
              ping.wait();  // until the first runtime's fiber sets it
              pong.set();
            });
          } catch (...) {
            failed = true;
          }
        });
        weft::this_fiber::sleep_for(1ms);  // let the other runtime block first
        ping.set();
        pong.wait();
      });
    } catch (...) {
      failed = true;
    }
    other->join();
    REQUIRE_FALSE(failed);
  }
}

TEST_CASE("runtimes that all wait for each other are deadlocked, and each one says so",
          "[deadlock]") {
  weft::Event never_a, never_b;
  std::atomic<int> deadlocks{0};
  std::optional<std::thread> b;
  try {
    weft::run([&] {
      b.emplace([&] {
        try {
          weft::run([&] { never_b.wait(); });
        } catch (const weft::DeadlockError&) {
          deadlocks.fetch_add(1);
        }
      });
      never_a.wait();
    });
  } catch (const weft::DeadlockError&) {
    deadlocks.fetch_add(1);
  }
  b->join();
  CHECK(deadlocks.load() == 2);
}
