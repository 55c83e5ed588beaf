// weft::call_once and weft::OnceFlag.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

TEST_CASE("call_once: runs once; concurrent callers wait for it to finish", "[call_once]") {
  weft::run([] {
    weft::OnceFlag flag;
    // atomic: the callers run on several workers (a broken flag could run it twice)
    std::atomic<int> runs{0};
    bool initialised = false;  // plain: call_once orders the run before every return
    std::atomic<int> saw_uninitialised{0};
    std::vector<weft::JoinHandle<void>> callers;
    for (int i = 0; i < 5; ++i)
      callers.push_back(weft::spawn([&] {
        weft::call_once(flag, [&] {
          ++runs;
          for (int y = 0; y < 5; ++y) weft::this_fiber::yield();  // others arrive meanwhile
          initialised = true;
        });
        if (!initialised) ++saw_uninitialised;
      }));
    for (auto& c : callers) c.join();
    CHECK(runs == 1);
    CHECK(saw_uninitialised == 0);
    CHECK(flag.is_done());
    weft::call_once(flag, [&] { ++runs; });
    CHECK(runs == 1);
  });
}

TEST_CASE("call_once: an exception lets the next caller retry", "[call_once][errors]") {
  weft::run([] {
    weft::OnceFlag flag;
    // atomic: the fibers run on several workers
    std::atomic<int> attempts{0}, waiters_done{0};
    std::atomic<bool> failing_started{false};
    std::array<weft_test::ParkWatch, 3> watches;
    auto body = [&](bool fail) {
      ++attempts;
      if (fail) {
        failing_started = true;
        // The waiters are blocked on the flag when this run fails.
        for (auto& watch : watches) CHECK(watch.yield_until_parked());
      }
      for (int y = 0; y < 3; ++y) weft::this_fiber::yield();
      if (fail) throw std::runtime_error("first try failed");
    };
    auto failing = weft::spawn([&] {
      CHECK_THROWS_WITH(weft::call_once(flag, body, true), "first try failed");
    });
    REQUIRE(weft_test::yield_until([&] { return failing_started.load(); }));
    std::vector<weft::JoinHandle<void>> waiters;
    for (auto& watch : watches)
      waiters.push_back(weft::spawn([&] {
        watch.publish();
        weft::call_once(flag, body, false);
        ++waiters_done;
      }));
    failing.join();
    for (auto& w : waiters) w.join();
    CHECK(attempts == 2);  // the failed one, then one waiter's
    CHECK(waiters_done == 3);
    CHECK(flag.is_done());
  });
}

TEST_CASE("call_once: recursion and cancellation", "[call_once][errors][cancel]") {
  weft::run([] {
    weft::OnceFlag flag;
    CHECK_THROWS_WITH(weft::call_once(flag, [&] { weft::call_once(flag, [] {}); }),
                      Catch::Contains("whose function it is running"));
    CHECK_FALSE(flag.is_done());  // the failed call left it to be retried

    weft::OnceFlag slow;
    weft::Event release;
    weft_test::ParkWatch runner_watch;
    auto runner = weft::spawn([&] {
      runner_watch.publish();
      weft::call_once(slow, [&] { release.wait(); });
    });
    REQUIRE(runner_watch.yield_until_parked());  // runs the function, parked in it
    CHECK(weft_test::cancelled_while_blocked([&] {
      weft::call_once(slow, [] { FAIL("a second run"); });
    }));
    release.set();
    runner.join();
    CHECK(slow.is_done());
  });
}

TEST_CASE("call_once: a completed flag needs no fiber", "[call_once]") {
  weft::OnceFlag flag;
  int runs = 0;
  weft::call_once(flag, [&] { ++runs; });  // uncontended: runs on a plain thread too
  std::thread other([&] { weft::call_once(flag, [&] { ++runs; }); });
  other.join();
  CHECK(runs == 1);
}
