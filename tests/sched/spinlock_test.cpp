// SpinLock (biased to its first thread, revoked when a second thread comes) and the
// cancellation handshake that uses the same asymmetric fences.
#include <atomic>
#include <chrono>
#include <catch2/catch.hpp>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

using weft::sched::detail::SpinLock;

namespace {

// Two threads add to a plain counter under `lock`; the total must be exact.
std::int64_t hammer(SpinLock& lock, int per_thread, bool stagger) {
  std::int64_t counter = 0;
  std::atomic<bool> first_started{false};
  auto work = [&] {
    first_started.store(true);
    for (int i = 0; i < per_thread; ++i) {
      std::lock_guard guard(lock);
      ++counter;
    }
  };
  std::thread a(work);
  if (stagger)
    while (!first_started.load()) std::this_thread::yield();  // `a` takes the bias first
  std::thread b(work);
  a.join();
  b.join();
  return counter;
}

}  // namespace

TEST_CASE("a lock used by one thread only stays exact and reusable") {
  SpinLock lock;
  std::int64_t counter = 0;
  for (int i = 0; i < 100000; ++i) {
    lock.lock();
    ++counter;
    lock.unlock();
  }
  CHECK(counter == 100000);
  CHECK(lock.try_lock());
  lock.unlock();
}

TEST_CASE("a second thread revokes the bias while the owner is busy; counts add up") {
  // Many fresh locks, so revocation lands at many points of the owner's loop.
  for (int round = 0; round < 50; ++round) {
    SpinLock lock;
    REQUIRE(hammer(lock, 20000, /*stagger=*/true) == 40000);
  }
}

TEST_CASE("two threads racing for a fresh lock") {
  for (int round = 0; round < 50; ++round) {
    SpinLock lock;
    REQUIRE(hammer(lock, 5000, /*stagger=*/false) == 10000);
  }
}

TEST_CASE("try_lock excludes across threads, biased or not") {
  SpinLock lock;
  lock.lock();  // biased to this thread now
  bool other_got_it = true;
  std::thread([&] { other_got_it = lock.try_lock(); }).join();
  CHECK_FALSE(other_got_it);
  lock.unlock();
  std::thread([&] {
    other_got_it = lock.try_lock();
    if (other_got_it) lock.unlock();
  }).join();
  CHECK(other_got_it);
  CHECK(lock.try_lock());  // revoked now: the owner uses the plain lock too
  lock.unlock();
}

TEST_CASE("a lock biased at construction works from another thread") {
  SpinLock lock{SpinLock::BiasToCaller{}};
  REQUIRE(hammer(lock, 10000, /*stagger=*/false) == 20000);
}

TEST_CASE("a cancellation from another thread always reaches a fiber that blocks") {
  // The waiter opens its wait with a plain store; the canceller pays for the fence. A
  // lost cancellation would leave the fiber blocked on an event nobody sets.
  constexpr int kRounds = 2000;
  int cancelled = 0;
  weft::run([&] {
    for (int i = 0; i < kRounds; ++i) {
      weft::Event never;
      auto waiter = weft::spawn([&never] { never.wait(); });
      weft::this_fiber::yield();  // let it block (or not: the race is the point)
      std::thread canceller([&waiter] { waiter.cancel(); });
      struct JoinThread {  // also when a lost cancellation ends the run as a deadlock
        std::thread& t;
        ~JoinThread() { t.join(); }
      } join_canceller{canceller};
      try {
        waiter.join();
      } catch (const weft::Cancelled&) {
        ++cancelled;
      }
    }
  });
  CHECK(cancelled == kRounds);
}

TEST_CASE("wait_until_free returns only once the holder has unlocked, and takes nothing") {
  for (const bool biased_holder : {true, false}) {
    SpinLock lock;
    if (!biased_holder) {  // biased to another thread: the holder revokes it, holds the plain lock
      std::thread([&] { std::lock_guard guard(lock); }).join();
    }
    std::atomic<bool> held{false}, release{false}, waited{false};
    std::thread holder([&] {
      std::lock_guard guard(lock);
      held = true;
      while (!release) std::this_thread::yield();
    });
    while (!held) std::this_thread::yield();
    std::thread waiter([&] {
      lock.wait_until_free();
      waited = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK_FALSE(waited);  // the holder is still inside
    release = true;
    holder.join();
    waiter.join();
    CHECK(waited);
    CHECK(lock.try_lock());  // nothing was left taken
    lock.unlock();
  }
}
