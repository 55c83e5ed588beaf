// weft::Mutex and weft::RecursiveMutex: ownership, FIFO hand-off, timeouts,
// cancellation, misuse, and the std lock adaptors.
#include <catch2/catch.hpp>

#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;
using weft_test::ms_since;

TEST_CASE("Mutex: lock, try_lock and unlock track the owner", "[mutex]") {
  weft::run([] {
    weft::Mutex m("m");
    CHECK_FALSE(m.is_locked());
    m.lock();
    CHECK(m.is_locked());
    CHECK(m.held_by_current());
    bool other_got_it = true;
    auto other = weft::spawn([&] {
      other_got_it = m.try_lock();
      CHECK_FALSE(m.held_by_current());
    });
    other.join();
    CHECK_FALSE(other_got_it);
    m.unlock();
    CHECK_FALSE(m.is_locked());
    CHECK(m.try_lock());
    m.unlock();
  });
}

TEST_CASE("Mutex: a read-yield-write section stays exclusive", "[mutex]") {
  weft::run([] {
    weft::Mutex m;
    int counter = 0;
    std::vector<weft::JoinHandle<void>> fibers;
    for (int f = 0; f < 5; ++f)
      fibers.push_back(weft::spawn([&] {
        for (int i = 0; i < 100; ++i) {
          std::lock_guard guard(m);
          int seen = counter;
          weft::this_fiber::yield();
          counter = seen + 1;
        }
      }));
    for (auto& f : fibers) f.join();
    CHECK(counter == 500);
  });
}

TEST_CASE("Mutex: waiters get the lock in FIFO order by hand-off", "[mutex]") {
  weft::run([] {
    weft::Mutex m;
    std::vector<int> order;
    m.lock();
    std::vector<weft::JoinHandle<void>> waiters;
    std::array<weft_test::ParkWatch, 3> watches;
    for (int i = 1; i <= 3; ++i) {
      weft_test::ParkWatch& watch = watches[i - 1];
      waiters.push_back(weft::spawn([&, i] {
        watch.publish();
        std::lock_guard guard(m);
        order.push_back(i);
      }));
      REQUIRE(watch.yield_until_parked());  // i is queued before i + 1 starts
    }
    m.unlock();
    // Handed to waiter 1 already: the unlocker cannot barge back in.
    CHECK(m.is_locked());
    CHECK_FALSE(m.try_lock());
    for (auto& w : waiters) w.join();
    CHECK(order == std::vector<int>{1, 2, 3});
  });
}

TEST_CASE("Mutex: misuse is reported with the fibers named", "[mutex][errors]") {
  weft::run([] {
    weft::Mutex m("accounts");
    SECTION("recursive lock of a plain mutex") {
      auto f = weft::spawn(
          [&] {
            m.lock();
            CHECK_THROWS_WITH(m.lock(), Catch::Contains("'relocker'") &&
                                            Catch::Contains("'accounts'") &&
                                            Catch::Contains("RecursiveMutex"));
            CHECK_THROWS_AS(m.try_lock(), weft::UsageError);
            CHECK_THROWS_AS((void)m.try_lock_for(1ms), weft::UsageError);
            m.unlock();
          },
          {.name = "relocker"});
      f.join();
    }
    SECTION("unlock by a fiber that does not own it") {
      m.lock();
      auto intruder = weft::spawn(
          [&] {
            CHECK_THROWS_WITH(m.unlock(), Catch::Contains("'intruder'") &&
                                              Catch::Contains("held by fiber 'main'"));
          },
          {.name = "intruder"});
      intruder.join();
      CHECK(m.held_by_current());  // still ours
      m.unlock();
    }
    SECTION("unlock of an unlocked mutex") {
      CHECK_THROWS_WITH(m.unlock(), Catch::Contains("not locked"));
    }
  });
  weft::Mutex outside;
  CHECK_THROWS_AS(outside.lock(), weft::UsageError);
}

TEST_CASE("Mutex: timed tries time out and leave the mutex usable", "[mutex][timeout]") {
  weft::run([] {
    weft::Mutex m;
    m.lock();
    auto waiter = weft::spawn([&] {
      const weft::TimePoint start = weft::now();
      CHECK_FALSE(m.try_lock_for(20ms));
      const double waited = ms_since(start);
      CHECK(waited >= 19.5);
      CHECK(waited < 2000);
      CHECK_FALSE(m.try_lock_until(weft::now() - 1ms));  // past deadline: no wait
      std::unique_lock lock(m, std::defer_lock);
      CHECK_FALSE(lock.try_lock_for(1ms));
    });
    waiter.join();
    m.unlock();
    auto taker = weft::spawn([&] {
      CHECK(m.try_lock_for(1s));
      m.unlock();
      CHECK(m.try_lock_until(std::chrono::system_clock::now() + 1s));
      m.unlock();
    });
    taker.join();
  });
}

TEST_CASE("Mutex: a cancelled waiter leaves the queue and never owns it", "[mutex][cancel]") {
  weft::run([] {
    weft::Mutex m;
    std::vector<int> order;
    bool cancelled = false;
    std::array<weft_test::ParkWatch, 3> watches;  // each is queued before the next starts
    m.lock();
    auto first = weft::spawn([&] {
      watches[0].publish();
      std::lock_guard guard(m);
      order.push_back(1);
    });
    REQUIRE(watches[0].yield_until_parked());
    auto victim = weft::spawn([&] {
      watches[1].publish();
      try {
        m.lock();
        order.push_back(2);
        m.unlock();
      } catch (const weft::Cancelled&) {
        cancelled = true;
        CHECK_FALSE(m.held_by_current());
      }
    });
    REQUIRE(watches[1].yield_until_parked());
    auto last = weft::spawn([&] {
      watches[2].publish();
      std::lock_guard guard(m);
      order.push_back(3);
    });
    REQUIRE(watches[2].yield_until_parked());
    victim.cancel();
    victim.join();
    CHECK(cancelled);
    m.unlock();
    first.join();
    last.join();
    CHECK(order == std::vector<int>{1, 3});
    CHECK_FALSE(m.is_locked());
  });
}

TEST_CASE("Mutex: works with std::lock_guard, unique_lock and scoped_lock", "[mutex]") {
  weft::run([] {
    weft::Mutex a, b;
    {
      std::scoped_lock both(a, b);
      CHECK(a.held_by_current());
      CHECK(b.held_by_current());
    }
    CHECK_FALSE(a.is_locked());
    std::unique_lock lock(a);
    lock.unlock();
    CHECK(lock.try_lock_for(1ms));
  });
}

TEST_CASE("RecursiveMutex: the owner may relock; others wait for the last unlock",
          "[recursive_mutex]") {
  weft::run([] {
    weft::RecursiveMutex m("tree");
    m.lock();
    m.lock();
    CHECK(m.try_lock());
    CHECK(m.depth() == 3);
    bool other_has_it = false;
    auto other = weft::spawn([&] {
      std::lock_guard guard(m);
      other_has_it = true;
    });
    let_others_run();
    m.unlock();
    m.unlock();
    let_others_run();
    CHECK_FALSE(other_has_it);
    m.unlock();
    other.join();
    CHECK(other_has_it);
    CHECK(m.depth() == 0);
  });
}

TEST_CASE("RecursiveMutex: non-owner unlock, timeout and cancellation",
          "[recursive_mutex][errors][cancel][timeout]") {
  weft::run([] {
    weft::RecursiveMutex m("tree");
    m.lock();
    auto timed = weft::spawn(
        [&] {
          CHECK_THROWS_WITH(m.unlock(),
                            Catch::Contains("'other'") && Catch::Contains("held by fiber 'main'"));
          CHECK_FALSE(m.try_lock_for(5ms));
        },
        {.name = "other"});
    timed.join();
    CHECK(weft_test::cancelled_while_blocked([&] {
      m.lock();
      m.unlock();
    }));
    m.unlock();
    CHECK(m.depth() == 0);
    auto again = weft::spawn([&] {
      CHECK(m.try_lock());
      m.unlock();
    });
    again.join();
  });
}

TEST_CASE("weft::lock and ScopedLock take locks in one global order", "[lock]") {
  weft::run([] {
    weft::Mutex a("a"), b("b"), c("c");
    int done = 0;
    auto one = weft::spawn([&] {
      for (int i = 0; i < 200; ++i) {
        weft::ScopedLock hold(a, b, c);
        weft::this_fiber::yield();
      }
      ++done;
    });
    auto two = weft::spawn([&] {
      for (int i = 0; i < 200; ++i) {
        weft::ScopedLock hold(c, b, a);  // opposite argument order: still no deadlock
        weft::this_fiber::yield();
      }
      ++done;
    });
    auto three = weft::spawn([&] {
      for (int i = 0; i < 200; ++i) {
        weft::lock(b, a);
        weft::this_fiber::yield();
        a.unlock();
        b.unlock();
      }
      ++done;
    });
    one.join();
    two.join();
    three.join();
    CHECK(done == 3);
    CHECK_THROWS_AS(weft::lock(a, a), weft::UsageError);
    CHECK_FALSE(a.is_locked());
    {
      a.lock();
      weft::ScopedLock adopted(std::adopt_lock, a);
    }
    CHECK_FALSE(a.is_locked());
  }, weft_test::one_worker());
}

TEST_CASE("weft::lock is all or nothing when a lock() is cancelled", "[lock][cancel]") {
  weft::run([] {
    weft::Mutex a("a"), b("b");
    weft::Mutex& low = &a < &b ? a : b;   // taken first
    weft::Mutex& high = &a < &b ? b : a;  // taken second
    high.lock();
    bool cancelled = false;
    weft_test::ParkWatch watch;
    auto f = weft::spawn([&] {
      watch.publish();
      try {
        weft::lock(a, b);
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
    });
    REQUIRE(watch.yield_until_parked());
    CHECK(low.is_locked());  // f holds the first and waits for the second
    f.cancel();
    f.join();
    CHECK(cancelled);
    CHECK_FALSE(low.is_locked());
    high.unlock();
  });
}
