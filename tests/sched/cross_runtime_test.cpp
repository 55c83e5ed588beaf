// Runtimes on different kernel threads sharing primitives: deadlock detection agrees
// across the runtimes that are running at the time.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
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

TEST_CASE("when a runtime ends, the stuck ones left get the grace period: another runtime "
          "may still be starting",
          "[deadlock]") {
  // B runs (a sleeping fiber) while A blocks, so A waits as stuck. When B ends, A is the
  // only runtime left and stuck, but C, which sends what A waits for, is not running yet:
  // A must get the grace period (Worker::run), not a deadlock report.
  weft::Channel<int> values(1);
  std::atomic<bool> b_started{false};
  std::thread b([&] {
    weft::run([&] {
      b_started = true;
      weft::this_fiber::sleep_for(100ms);
    });
  });
  while (!b_started) std::this_thread::yield();
  std::optional<int> received;
  std::optional<std::string> error;
  std::thread a([&] {
    try {
      weft::run([&] {
        auto r = values.recv();
        if (r) received = *r;
      });
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  b.join();
  std::this_thread::sleep_for(10ms);
  std::thread c([&] { weft::run([&] { (void)values.send(7); }); });
  c.join();
  a.join();
  CHECK(error.value_or("") == "");
  CHECK(received == 7);
}

TEST_CASE("a lock held by another runtime's fiber is reported as held there", "[deadlock]") {
  weft::Mutex mine("mine"), theirs("theirs");
  std::string report_a, report_b;
  // Takes `first`, waits until the other runtime holds `second`, then takes it too.
  auto cross = [](weft::Mutex& first, weft::Mutex& second, std::string& report) {
    try {
      weft::run([&] {
        std::lock_guard held(first);
        while (!second.is_locked()) weft::this_fiber::sleep_for(1ms);
        std::lock_guard wanted(second);
      });
    } catch (const weft::DeadlockError& e) {
      report = e.what();
    }
  };
  std::thread b([&] { cross(theirs, mine, report_b); });
  cross(mine, theirs, report_a);
  b.join();
  INFO(report_a << "\n" << report_b);
  // The runtimes report and unwind at the same time, and an unwinding fiber unlocks what
  // the other one waits for: that one may go on instead of reporting, or report a wait
  // that has just ended. A report written before the other runtime unwound names the
  // other runtime as the holder, and one of them always is.
  CHECK_THAT(report_a + report_b, Catch::Contains(", held by a fiber of another runtime (or one that ended)"));
  CHECK_THAT(report_a + report_b, !Catch::Contains("held by fiber #"));
  // Each runtime sees only its own half of the cycle.
  CHECK_THAT(report_a + report_b, !Catch::Contains("wait-for cycle"));
}
