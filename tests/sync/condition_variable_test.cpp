// weft::ConditionVariable and weft::ConditionVariableAny.
#include <catch2/catch.hpp>

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;

TEST_CASE("ConditionVariable: producer and consumers with predicate waits", "[condvar]") {
  weft::run([] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    std::deque<int> queue;
    bool closed = false;
    long sum = 0;
    std::vector<weft::JoinHandle<void>> consumers;
    for (int c = 0; c < 3; ++c)
      consumers.push_back(weft::spawn([&] {
        std::unique_lock lock(m);
        for (;;) {
          cv.wait(lock, [&] { return !queue.empty() || closed; });
          CHECK(m.held_by_current());
          if (queue.empty()) return;
          sum += queue.front();
          queue.pop_front();
        }
      }));
    for (int i = 1; i <= 100; ++i) {
      {
        std::lock_guard guard(m);
        queue.push_back(i);
      }
      cv.notify_one();
      if (i % 7 == 0) weft::this_fiber::yield();
    }
    {
      std::lock_guard guard(m);
      closed = true;
    }
    cv.notify_all();
    for (auto& c : consumers) c.join();
    CHECK(sum == 5050);
  });
}

TEST_CASE("ConditionVariable: notify_one wakes the longest waiter, notify_all every one",
          "[condvar]") {
  weft::run([] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    std::vector<int> woken;
    std::vector<weft::JoinHandle<void>> waiters;
    for (int i = 1; i <= 3; ++i) {
      waiters.push_back(weft::spawn([&, i] {
        std::unique_lock lock(m);
        cv.wait(lock);
        woken.push_back(i);
      }));
      let_others_run();
    }
    cv.notify_one();
    let_others_run();
    CHECK(woken == std::vector<int>{1});
    cv.notify_all();
    for (auto& w : waiters) w.join();
    CHECK(woken == std::vector<int>{1, 2, 3});
  }, weft_test::one_worker());
}

TEST_CASE("ConditionVariable: timed waits report timeouts with the mutex re-taken",
          "[condvar][timeout]") {
  weft::run([] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    std::unique_lock lock(m);
    const weft::TimePoint start = weft::now();
    CHECK(cv.wait_for(lock, 10ms) == std::cv_status::timeout);
    CHECK(weft_test::ms_since(start) >= 9.5);
    CHECK(m.held_by_current());
    CHECK(cv.wait_until(lock, std::chrono::system_clock::now()) == std::cv_status::timeout);
    CHECK_FALSE(cv.wait_for(lock, 2ms, [] { return false; }));
    CHECK(cv.wait_for(lock, 2ms, [] { return true; }));
    bool ready = false;
    auto setter = weft::spawn([&] {
      std::lock_guard guard(m);
      ready = true;
      cv.notify_all();
    });
    CHECK(cv.wait_for(lock, 10s, [&] { return ready; }));
    CHECK(m.held_by_current());
    lock.unlock();
    setter.join();
  });
}

TEST_CASE("ConditionVariable: a cancelled waiter re-takes the mutex and is unlinked",
          "[condvar][cancel]") {
  weft::run([] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    bool cancelled = false, held_in_handler = false, other_woken = false;
    weft_test::ParkWatch victim_watch, other_watch;
    auto victim = weft::spawn([&] {
      std::unique_lock lock(m);
      victim_watch.publish();  // its next park is in the wait: it holds the mutex until then
      try {
        cv.wait(lock);
      } catch (const weft::Cancelled&) {
        cancelled = true;
        held_in_handler = m.held_by_current() && lock.owns_lock();
      }
    });
    auto other = weft::spawn([&] {
      std::unique_lock lock(m);
      other_watch.publish();
      cv.wait(lock);
      other_woken = true;
    });
    REQUIRE(victim_watch.yield_until_parked());
    REQUIRE(other_watch.yield_until_parked());
    {
      std::lock_guard guard(m);  // the victim must wait for this before it can leave
      victim.cancel();
      let_others_run();
      CHECK_FALSE(cancelled);
    }
    victim.join();
    CHECK(cancelled);
    CHECK(held_in_handler);
    cv.notify_one();  // goes to the other waiter: the victim's node is gone
    other.join();
    CHECK(other_woken);
  });
}

TEST_CASE("ConditionVariable: waiting without holding the mutex is an error",
          "[condvar][errors]") {
  weft::run([] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    std::unique_lock lock(m, std::defer_lock);
    CHECK_THROWS_AS(cv.wait(lock), weft::UsageError);
  });
}

TEST_CASE("ConditionVariableAny: works with any lockable", "[condvar]") {
  weft::run([] {
    weft::ConditionVariableAny cv;
    SECTION("a plain weft::Mutex") {
      weft::Mutex m;
      bool ready = false;
      auto setter = weft::spawn([&] {
        std::lock_guard guard(m);
        ready = true;
        cv.notify_one();
      });
      m.lock();
      cv.wait(m, [&] { return ready; });
      CHECK(m.held_by_current());
      m.unlock();
      setter.join();
    }
    SECTION("std::shared_lock of a SharedMutex") {
      weft::SharedMutex sm;
      std::shared_lock lock(sm);
      CHECK(cv.wait_for(lock, 2ms) == std::cv_status::timeout);
      CHECK(lock.owns_lock());
      CHECK(sm.reader_count() == 1);
    }
    SECTION("a RecursiveMutex held once, with cancellation") {
      weft::RecursiveMutex rm;
      bool cancelled = false;
      weft_test::ParkWatch watch;
      auto victim = weft::spawn([&] {
        std::unique_lock lock(rm);
        watch.publish();
        try {
          cv.wait(lock);
        } catch (const weft::Cancelled&) {
          cancelled = lock.owns_lock() && rm.depth() == 1;
        }
      });
      REQUIRE(watch.yield_until_parked());
      victim.cancel();
      victim.join();
      CHECK(cancelled);
      CHECK(rm.try_lock());
      rm.unlock();
    }
  });
}

TEST_CASE("ConditionVariableAny: a lock that cannot be released loses no cancellation",
          "[condvar][cancel]") {
  weft::run([] {
    weft::ConditionVariableAny cv;
    weft::Mutex m;  // not held: unlocking it throws UsageError
    bool cancelled_later = false;
    auto f = weft::spawn([&] {
      CHECK_THROWS_AS(cv.wait(m), weft::UsageError);
      weft::this_fiber::yield();  // running, not blocked, when the cancel comes
      try {
        weft::this_fiber::sleep_for(std::chrono::seconds(5));
      } catch (const weft::Cancelled&) {
        cancelled_later = true;
      }
    });
    weft::this_fiber::yield();
    f.cancel();
    f.join();
    CHECK(cancelled_later);
  });
}
