// weft::Barrier, weft::Latch and weft::WaitGroup.
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <stdexcept>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;

TEST_CASE("Barrier: phases complete together with one serial fiber each", "[barrier]") {
  weft::run([] {
    constexpr int kParties = 4, kPhases = 5;
    int completions = 0;  // plain: the barrier orders the completion before every leaver
    weft::Barrier barrier(kParties, [&] { ++completions; });
    // atomic: the parties run on several workers and count at the same time
    std::vector<std::atomic<int>> serial_per_phase(kPhases);
    std::vector<std::atomic<int>> arrived(kPhases);
    std::atomic<int> errors{0};
    std::vector<weft::JoinHandle<void>> fibers;
    for (int f = 0; f < kParties; ++f)
      fibers.push_back(weft::spawn([&, f] {
        for (int p = 0; p < kPhases; ++p) {
          ++arrived[p];
          for (int y = 0; y < f; ++y) weft::this_fiber::yield();  // arrive in a mixed order
          const bool serial = barrier.arrive_and_wait();
          // Everyone of this phase arrived, and its completion ran, before anyone left.
          if (arrived[p] != kParties || completions != p + 1) ++errors;
          if (serial) ++serial_per_phase[p];
        }
      }));
    for (auto& f : fibers) f.join();
    CHECK(errors == 0);
    CHECK(completions == kPhases);
    CHECK(barrier.phase() == kPhases);
    for (const auto& serial : serial_per_phase) CHECK(serial == 1);
  });
}

TEST_CASE("Barrier: a throwing completion still releases the phase", "[barrier][errors]") {
  weft::run([] {
    weft::Barrier barrier(2, [] { throw std::runtime_error("completion failed"); });
    bool released = false;
    weft_test::ParkWatch watch;
    auto waiter = weft::spawn([&] {
      watch.publish();
      CHECK_FALSE(barrier.arrive_and_wait());
      released = true;
    });
    REQUIRE(watch.yield_until_parked());  // it arrived first: this fiber completes the phase
    CHECK_THROWS_WITH(barrier.arrive_and_wait(), "completion failed");
    waiter.join();
    CHECK(released);
    CHECK_THROWS_AS(weft::Barrier(0), weft::UsageError);
  });
}

TEST_CASE("Barrier: a cancelled waiter withdraws its arrival", "[barrier][cancel]") {
  weft::run([] {
    weft::Barrier barrier(2);
    CHECK(weft_test::cancelled_while_blocked([&] { (void)barrier.arrive_and_wait(); }));
    CHECK(barrier.phase() == 0);
    // The phase still needs two fibers: the withdrawn arrival does not count.
    std::atomic<bool> first_left{false};  // read while `first` may run on another worker
    weft_test::ParkWatch watch;
    auto first = weft::spawn([&] {
      watch.publish();
      (void)barrier.arrive_and_wait();
      first_left = true;
    });
    REQUIRE(watch.yield_until_parked());
    CHECK_FALSE(first_left);
    CHECK(barrier.arrive_and_wait());
    first.join();
    CHECK(barrier.phase() == 1);
  });
}

TEST_CASE("Barrier: arrive_and_drop lowers the parties of later phases", "[barrier]") {
  weft::run([] {
    weft::Barrier barrier(3);
    std::atomic<int> finished{0};  // atomic: the workers may finish at the same time
    auto worker = [&] {
      for (int p = 0; p < 2; ++p) (void)barrier.arrive_and_wait();
      ++finished;
    };
    auto w1 = weft::spawn(worker);
    let_others_run();
    barrier.arrive_and_drop();  // counts for phase 0, then leaves
    CHECK(barrier.parties() == 2);
    CHECK(barrier.phase() == 0);
    auto w2 = weft::spawn(worker);
    w1.join();
    w2.join();
    CHECK(finished == 2);
    CHECK(barrier.phase() == 2);
  });
}

TEST_CASE("Latch: counts down once to zero", "[latch]") {
  weft::run([] {
    weft::Latch latch(3);
    CHECK_FALSE(latch.try_wait());
    std::atomic<int> passed{0};  // atomic: the waiters run on several workers
    std::array<weft_test::ParkWatch, 2> watches;
    std::vector<weft::JoinHandle<void>> waiters;
    for (auto& watch : watches)
      waiters.push_back(weft::spawn([&] {
        watch.publish();
        latch.wait();
        ++passed;
      }));
    for (auto& watch : watches) CHECK(watch.yield_until_parked());
    latch.count_down(2);
    let_others_run();
    CHECK(passed == 0);
    latch.arrive_and_wait();  // the last count
    for (auto& w : waiters) w.join();
    CHECK(passed == 2);
    CHECK(latch.try_wait());
    CHECK(latch.wait_for(0ms));
    CHECK_THROWS_WITH(latch.count_down(), Catch::Contains("the count is 0"));
    CHECK_THROWS_AS(weft::Latch(-1), weft::UsageError);
  });
}

TEST_CASE("Latch: timeouts and cancellation", "[latch][timeout][cancel]") {
  weft::run([] {
    weft::Latch latch(1);
    const weft::TimePoint start = weft::now();
    CHECK_FALSE(latch.wait_for(10ms));
    CHECK(weft_test::ms_since(start) >= 9.5);
    CHECK(weft_test::cancelled_while_blocked([&] { latch.wait(); }));
    CHECK(latch.count() == 1);
    latch.count_down();
    CHECK(latch.wait_until(std::chrono::system_clock::now()));
  });
}

TEST_CASE("WaitGroup: waits for every done()", "[wait_group]") {
  weft::run([] {
    weft::WaitGroup wg;
    wg.wait();  // zero: returns at once
    std::atomic<int> finished{0};  // atomic: the fibers run on several workers
    for (int round = 0; round < 2; ++round) {  // reusable
      wg.add(4);
      for (int i = 0; i < 4; ++i)
        weft::spawn([&, i] {
          for (int y = 0; y < i; ++y) weft::this_fiber::yield();
          ++finished;
          wg.done();
        }).detach();
      wg.wait();
      CHECK(finished == 4 * (round + 1));
      CHECK(wg.count() == 0);
    }
  });
}

TEST_CASE("WaitGroup: done below zero, timeouts and cancellation",
          "[wait_group][errors][timeout][cancel]") {
  weft::run([] {
    weft::WaitGroup wg;
    CHECK_THROWS_WITH(wg.done(), Catch::Contains("more done() than add()"));
    CHECK(wg.count() == 0);
    wg.add(2);
    CHECK_THROWS_AS(wg.add(-3), weft::UsageError);
    CHECK(wg.count() == 2);
    const weft::TimePoint start = weft::now();
    CHECK_FALSE(wg.wait_for(10ms));
    CHECK(weft_test::ms_since(start) >= 9.5);
    CHECK(weft_test::cancelled_while_blocked([&] { wg.wait(); }));
    wg.add(-2);
    CHECK(wg.wait_for(0ms));
  });
}

TEST_CASE("Barrier: a fiber arriving while the completion runs arrives for the next phase",
          "[barrier]") {
  weft::run([] {
    std::atomic<bool> in_completion{false};  // polled by `late`, maybe on another worker
    int completions = 0;
    weft_test::ParkWatch late_watch;
    weft::Barrier barrier(2, [&] {
      in_completion = true;
      // The completion may block or yield: here until `late` has arrived and parked (if
      // its arrival wrongly counted for this phase it would not park: give up after 1 s).
      (void)late_watch.yield_until_parked(std::chrono::seconds(1));
      in_completion = false;
      ++completions;
    });
    std::uint64_t late_left_after = 0;
    auto a = weft::spawn([&] { (void)barrier.arrive_and_wait(); });
    auto b = weft::spawn([&] { (void)barrier.arrive_and_wait(); });  // completes phase 0
    auto late = weft::spawn([&] {
      late_watch.publish();
      while (!in_completion) weft::this_fiber::yield();
      (void)barrier.arrive_and_wait();  // phase 0 is full: this is an arrival for phase 1
      late_left_after = barrier.phase();
    });
    a.join();
    b.join();
    let_others_run();
    CHECK(barrier.phase() == 1);
    CHECK_FALSE(late.finished());  // it waits for a partner in phase 1
    (void)barrier.arrive_and_wait();  // that partner
    late.join();
    CHECK(late_left_after == 2);
    CHECK(completions == 2);
  });
}
