// weft::Semaphore and weft::BoundedSemaphore.
#include <catch2/catch.hpp>

#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;

TEST_CASE("Semaphore: permits are counted", "[semaphore]") {
  weft::run([] {
    weft::Semaphore s(2);
    s.acquire();
    CHECK(s.try_acquire());
    CHECK(s.available() == 0);
    CHECK_FALSE(s.try_acquire());
    bool third = false;
    auto f = weft::spawn([&] {
      s.acquire();
      third = true;
    });
    let_others_run();
    CHECK_FALSE(third);
    s.release();
    f.join();
    CHECK(third);
    CHECK(s.available() == 0);
    s.release(2);
    CHECK(s.available() == 2);
  });
}

TEST_CASE("Semaphore: waiters are served FIFO and permits are handed over",
          "[semaphore]") {
  weft::run([] {
    weft::Semaphore s(0);
    std::vector<int> order;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 1; i <= 4; ++i) {
      waiters.push_back(weft::spawn([&, i] {
        s.acquire();
        order.push_back(i);
      }));
      let_others_run();
    }
    s.release(3);
    CHECK(s.available() == 0);  // handed to three waiters, none left for barging
    CHECK_FALSE(s.try_acquire());
    let_others_run();
    CHECK(order == std::vector<int>{1, 2, 3});
    s.release();
    for (auto& w : waiters) w.join();
    CHECK(order == std::vector<int>{1, 2, 3, 4});
  }, weft_test::one_worker());
}

TEST_CASE("Semaphore: timed acquire times out; cancellation takes no permit",
          "[semaphore][timeout][cancel]") {
  weft::run([] {
    weft::Semaphore s(0);
    const weft::TimePoint start = weft::now();
    CHECK_FALSE(s.try_acquire_for(15ms));
    CHECK(weft_test::ms_since(start) >= 14.5);
    CHECK_FALSE(s.try_acquire_until(weft::now()));
    CHECK(weft_test::cancelled_while_blocked([&] { s.acquire(); }));
    s.release();
    CHECK(s.available() == 1);  // the cancelled waiter took nothing
    CHECK(s.try_acquire_for(1s));
  });
}

TEST_CASE("Semaphore: misuse is reported", "[semaphore][errors]") {
  CHECK_THROWS_AS(weft::Semaphore(-1), weft::UsageError);
  weft::run([] {
    weft::Semaphore s(0);
    CHECK_THROWS_AS(s.release(-1), weft::UsageError);
    s.release(weft::Semaphore::max());
    CHECK_THROWS_AS(s.release(), weft::UsageError);
  });
}

TEST_CASE("BoundedSemaphore: releasing above the bound is an error", "[semaphore][errors]") {
  weft::run([] {
    weft::BoundedSemaphore s(2);
    CHECK(s.bound() == 2);
    CHECK_THROWS_WITH(s.release(), Catch::Contains("exceed the bound 2"));
    CHECK(s.available() == 2);
    s.acquire();
    s.acquire();
    CHECK_THROWS_AS(s.release(3), weft::UsageError);
    CHECK(s.available() == 0);  // unchanged by the failed release
    s.release(2);
    CHECK(s.available() == 2);
    CHECK_THROWS_AS(weft::BoundedSemaphore(3, 2), weft::UsageError);
    weft::BoundedSemaphore empty(0, 1);
    CHECK_FALSE(empty.try_acquire());
  });
}
