// Sleeping on the kernel's timers: sleep_for / sleep_until ordering, accuracy within an
// explicit tolerance, and cancellation of a sleeping fiber.
#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

#include <weft/weft.hpp>
#include "support/workers.hpp"

using namespace std::chrono_literals;

namespace {
using Clock = std::chrono::steady_clock;
// How late a timer may fire on a loaded 2-core machine before the test calls it a bug.
constexpr auto kLateness = 200ms;
}  // namespace

// One worker: its timer queue wakes expired sleepers in deadline order. On several
// workers the sleepers' timers may be due on different workers, and one of them running
// late reorders wake-ups this close together.
TEST_CASE("sleepers wake in deadline order, not spawn order", "[timers]") {
  std::vector<int> woke;
  weft::run([&] {
    std::vector<weft::JoinHandle<void>> handles;
    for (int ms : {30, 10, 20}) {
      handles.push_back(weft::spawn([&woke, ms] {
        weft::this_fiber::sleep_for(std::chrono::milliseconds(ms));
        woke.push_back(ms);
      }));
    }
    for (auto& h : handles) h.join();
  }, weft_test::one_worker());
  CHECK(woke == std::vector<int>{10, 20, 30});
}

TEST_CASE("sleep_for sleeps at least the duration and not much longer", "[timers]") {
  auto elapsed = weft::run([] {
    const auto t0 = Clock::now();
    weft::this_fiber::sleep_for(20ms);
    return Clock::now() - t0;
  });
  CHECK(elapsed >= 20ms);
  CHECK(elapsed < 20ms + kLateness);
}

TEST_CASE("sleep_for with microsecond precision never wakes early", "[timers]") {
  auto elapsed = weft::run([] {
    const auto t0 = Clock::now();
    weft::this_fiber::sleep_for(std::chrono::microseconds(1500));
    return Clock::now() - t0;
  });
  CHECK(elapsed >= std::chrono::microseconds(1500));
  CHECK(elapsed < 1500us + kLateness);
}

// One worker: a sleeping fiber must not hold up the worker it slept on (on several
// workers the busy fiber could run on another one).
TEST_CASE("other fibers run while one sleeps", "[timers]") {
  weft::run([] {
    bool sleeper_done = false;
    auto sleeper = weft::spawn([&] {
      weft::this_fiber::sleep_for(30ms);
      sleeper_done = true;
    });
    int turns = 0;
    auto busy = weft::spawn([&] {
      for (; turns < 100; ++turns) weft::this_fiber::yield();
      return sleeper_done;
    });
    CHECK_FALSE(busy.join());  // 100 yields finish long before 30 ms
    CHECK(turns == 100);
    sleeper.join();
    CHECK(sleeper_done);
  }, weft_test::one_worker());
}

TEST_CASE("sleep_until a past or present deadline returns at once", "[timers]") {
  auto elapsed = weft::run([] {
    const auto t0 = Clock::now();
    weft::this_fiber::sleep_until(weft::now() - 1s);
    weft::this_fiber::sleep_until(weft::now());
    weft::this_fiber::sleep_for(0ms);
    weft::this_fiber::sleep_for(-5ms);
    return Clock::now() - t0;
  });
  CHECK(elapsed < kLateness);
}

TEST_CASE("sleep_until a future deadline wakes at that deadline", "[timers]") {
  weft::run([] {
    const auto deadline = weft::now() + 15ms;
    weft::this_fiber::sleep_until(deadline);
    const auto now = weft::now();
    CHECK(now >= deadline);
    CHECK(now < deadline + kLateness);
  });
}

TEST_CASE("cancelling a sleeping fiber makes its sleep throw Cancelled promptly",
          "[timers][cancel]") {
  weft::run([] {
    weft_test::ParkWatch watch;
    auto sleeper = weft::spawn([&watch] {
      watch.publish();
      const auto t0 = Clock::now();
      try {
        weft::this_fiber::sleep_for(1h);
      } catch (const weft::Cancelled&) {
        return Clock::now() - t0;
      }
      FAIL("sleep_for returned without being cancelled");
      return Clock::duration::max();
    });
    REQUIRE(watch.yield_until_parked());  // the sleeper starts and parks in its sleep
    const auto t0 = Clock::now();
    sleeper.cancel();
    const auto slept = sleeper.join();
    CHECK(slept < kLateness);
    CHECK(Clock::now() - t0 < kLateness);
  });
}

TEST_CASE("a cancel requested before the sleep is delivered by the sleep", "[timers][cancel]") {
  weft::run([] {
    auto sleeper = weft::spawn([] {
      // On several workers this fiber may start at once: it sleeps only once cancelled.
      while (!weft::this_fiber::cancel_requested()) weft::this_fiber::yield();
      try {
        weft::this_fiber::sleep_for(1h);
        return false;
      } catch (const weft::Cancelled&) {
        return true;
      }
    });
    sleeper.cancel();  // the sleeper has not slept yet
    CHECK(sleeper.join());
  });
}

TEST_CASE("a cancel is delivered once; the next sleep completes normally", "[timers][cancel]") {
  weft::run([] {
    auto sleeper = weft::spawn([] {
      int cancels = 0;
      for (int i = 0; i < 2; ++i) {
        try {
          weft::this_fiber::sleep_for(i == 0 ? 1h : 1ms);
        } catch (const weft::Cancelled&) {
          ++cancels;
        }
      }
      return cancels;
    });
    weft::this_fiber::yield();
    sleeper.cancel();
    CHECK(sleeper.join() == 1);
  });
}
