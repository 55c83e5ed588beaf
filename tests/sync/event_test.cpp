// weft::Event.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("Event: set wakes every waiter; a set event does not block", "[event]") {
  weft::run([] {
    weft::Event e;
    CHECK_FALSE(e.is_set());
    std::atomic<int> woken{0};  // atomic: the waiters run on several workers
    std::array<weft_test::ParkWatch, 3> watches;
    std::vector<weft::JoinHandle<void>> waiters;
    for (auto& watch : watches)
      waiters.push_back(weft::spawn([&] {
        watch.publish();
        e.wait();
        ++woken;
      }));
    for (auto& watch : watches) CHECK(watch.yield_until_parked());
    CHECK(woken == 0);
    e.set();
    for (auto& w : waiters) w.join();
    CHECK(woken == 3);
    CHECK(e.is_set());
    e.wait();
    CHECK(e.wait_for(0ms));
    e.clear();
    CHECK_FALSE(e.is_set());
  });
}

TEST_CASE("Event: waiters woken by set return true even if clear follows", "[event]") {
  weft::run([] {
    weft::Event e;
    bool result = false;
    weft_test::ParkWatch watch;
    auto w = weft::spawn([&] {
      watch.publish();
      result = e.wait_for(10s);
    });
    REQUIRE(watch.yield_until_parked());  // it waits before the set, not after the clear
    e.set();
    e.clear();
    w.join();
    CHECK(result);
    CHECK_FALSE(e.is_set());
  });
}

TEST_CASE("Event: timed waits time out; a cancelled waiter is unlinked",
          "[event][timeout][cancel]") {
  weft::run([] {
    weft::Event e;
    const weft::TimePoint start = weft::now();
    CHECK_FALSE(e.wait_for(10ms));
    CHECK(weft_test::ms_since(start) >= 9.5);
    CHECK_FALSE(e.wait_until(std::chrono::system_clock::now() - 1s));
    bool cancelled = false;
    std::atomic<bool> other_woken{false};  // read while `other` may run on another worker
    weft_test::ParkWatch victim_watch, other_watch;
    auto victim = weft::spawn([&] {
      victim_watch.publish();
      try {
        e.wait();
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
    });
    auto other = weft::spawn([&] {
      other_watch.publish();
      e.wait();
      other_woken = true;
    });
    // Both wait in the queue: the cancelled one must be unlinked from it.
    REQUIRE(victim_watch.yield_until_parked());
    REQUIRE(other_watch.yield_until_parked());
    victim.cancel();
    victim.join();
    CHECK(cancelled);
    CHECK_FALSE(other_woken);
    e.set();
    other.join();
    CHECK(other_woken);
  });
  weft::Event outside;
  CHECK_THROWS_AS(outside.wait(), weft::UsageError);
  outside.set();
  outside.wait();  // a set event does not need a fiber
}
