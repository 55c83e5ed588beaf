// weft::Event.
#include <catch2/catch.hpp>

#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;

TEST_CASE("Event: set wakes every waiter; a set event does not block", "[event]") {
  weft::run([] {
    weft::Event e;
    CHECK_FALSE(e.is_set());
    int woken = 0;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 0; i < 3; ++i)
      waiters.push_back(weft::spawn([&] {
        e.wait();
        ++woken;
      }));
    let_others_run();
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
    auto w = weft::spawn([&] { result = e.wait_for(10s); });
    let_others_run();
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
    bool cancelled = false, other_woken = false;
    auto victim = weft::spawn([&] {
      try {
        e.wait();
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
    });
    auto other = weft::spawn([&] {
      e.wait();
      other_woken = true;
    });
    let_others_run();
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
