// Classic concurrency bugs, each with its fix, as named checker scenarios. The buggy
// versions are registered as must-fail: the checker has to find them. Run them with
//
//   weft-check list
//   weft-check run lost_update --strategy pct --seed 7 --html lost_update.html
//   weft-check check-all
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;
using weft::check::Shared;

// --- lost update: read, yield, write back ---------------------------------------------

WEFT_SCENARIO_MUST_FAIL(lost_update, "three fibers do value = value + 1 with a yield in between") {
  Shared<int> value{0};
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < 3; ++i)
    fibers.push_back(weft::spawn([&] {
      int v = value.load();
      weft::this_fiber::yield();
      value.store(v + 1);
    }));
  for (auto& f : fibers) f.join();
  WEFT_ASSERT(value.load() == 3);
}

WEFT_SCENARIO(lost_update_fixed, "the same increments under a weft::Mutex") {
  Shared<int> value{0};
  weft::Mutex mutex;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < 3; ++i)
    fibers.push_back(weft::spawn([&] {
      std::lock_guard guard(mutex);
      int v = value.load();
      weft::this_fiber::yield();
      value.store(v + 1);
    }));
  for (auto& f : fibers) f.join();
  WEFT_ASSERT(value.load() == 3);
}

// --- dining philosophers --------------------------------------------------------------

constexpr int kPhilosophers = 5;

WEFT_SCENARIO_MUST_FAIL(philosophers, "five philosophers take the left chopstick, then the right") {
  std::vector<std::unique_ptr<weft::Mutex>> chopsticks;
  for (int i = 0; i < kPhilosophers; ++i) chopsticks.push_back(std::make_unique<weft::Mutex>());
  std::vector<weft::JoinHandle<void>> diners;
  for (int i = 0; i < kPhilosophers; ++i)
    diners.push_back(weft::spawn(
        [&, i] {
          weft::Mutex& left = *chopsticks[i];
          weft::Mutex& right = *chopsticks[(i + 1) % kPhilosophers];
          std::lock_guard l(left);
          std::lock_guard r(right);
        },
        {.name = "philosopher-" + std::to_string(i)}));
  for (auto& d : diners) d.join();
}

// weft::lock takes locks in address order, so the chopsticks sit in one array: separate
// heap blocks would be ordered by wherever malloc put them, which changes from run to run,
// and a schedule would then not replay.
WEFT_SCENARIO(philosophers_fixed, "the same philosophers take both chopsticks with weft::lock") {
  std::array<weft::Mutex, kPhilosophers> chopsticks;
  std::vector<weft::JoinHandle<void>> diners;
  for (int i = 0; i < kPhilosophers; ++i)
    diners.push_back(weft::spawn(
        [&, i] {
          weft::ScopedLock both(chopsticks[i], chopsticks[(i + 1) % kPhilosophers]);
        },
        {.name = "philosopher-" + std::to_string(i)}));
  for (auto& d : diners) d.join();
}

// --- producer/consumer that hangs -----------------------------------------------------

constexpr int kItems = 3;

WEFT_SCENARIO_MUST_FAIL(producer_consumer_hang,
                        "consumer loops while (!stop.is_set() || !q.empty()) q.recv()") {
  weft::Channel<int> q(kItems);
  weft::Event stop;
  auto producer = weft::spawn(
      [&] {
        for (int i = 0; i < kItems; ++i) (void)q.send(i);
        stop.set();
      },
      {.name = "producer"});
  auto consumer = weft::spawn(
      [&] {
        // Between the check and recv() the producer may finish: recv() then waits forever.
        while (!stop.is_set() || q.size() > 0) (void)q.recv();
      },
      {.name = "consumer"});
  producer.join();
  consumer.join();
}

WEFT_SCENARIO(producer_consumer_hang_fixed, "the producer closes the channel; the consumer drains it") {
  weft::Channel<int> q(kItems);
  Atomic<int> received{0};
  auto producer = weft::spawn(
      [&] {
        for (int i = 0; i < kItems; ++i) (void)q.send(i);
        q.close();
      },
      {.name = "producer"});
  auto consumer = weft::spawn(
      [&] {
        for (int v : q) {
          (void)v;
          received.fetch_add(1);
        }
      },
      {.name = "consumer"});
  producer.join();
  consumer.join();
  WEFT_ASSERT(received.load() == kItems);
}

// --- lost wake-up ---------------------------------------------------------------------

WEFT_SCENARIO_MUST_FAIL(lost_wakeup, "the waiter checks the flag before taking the lock, then waits") {
  Atomic<bool> ready{false};
  weft::Mutex mutex;
  weft::ConditionVariable cv;
  auto waiter = weft::spawn(
      [&] {
        if (!ready.load()) {  // the notify can happen right here, before the wait
          std::unique_lock lock(mutex);
          cv.wait(lock);
        }
      },
      {.name = "waiter"});
  auto setter = weft::spawn(
      [&] {
        {
          std::lock_guard guard(mutex);
          ready.store(true);
        }
        cv.notify_one();
      },
      {.name = "setter"});
  waiter.join();
  setter.join();
}

WEFT_SCENARIO(lost_wakeup_fixed, "the waiter checks the flag under the lock (wait with a predicate)") {
  Atomic<bool> ready{false};
  weft::Mutex mutex;
  weft::ConditionVariable cv;
  auto waiter = weft::spawn(
      [&] {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return ready.load(); });
      },
      {.name = "waiter"});
  auto setter = weft::spawn(
      [&] {
        {
          std::lock_guard guard(mutex);
          ready.store(true);
        }
        cv.notify_one();
      },
      {.name = "setter"});
  waiter.join();
  setter.join();
}

// --- check-then-act -------------------------------------------------------------------

WEFT_SCENARIO_MUST_FAIL(check_then_act, "two withdrawals check the balance, then debit it") {
  Shared<int> balance{100};
  auto withdraw = [&] {
    if (balance.load() >= 80) {
      weft::this_fiber::yield();
      balance.store(balance.load() - 80);
    }
  };
  auto a = weft::spawn(withdraw, {.name = "withdraw-a"});
  auto b = weft::spawn(withdraw, {.name = "withdraw-b"});
  a.join();
  b.join();
  WEFT_ASSERT(balance.load() >= 0);
}

WEFT_SCENARIO(check_then_act_fixed, "the check and the debit happen under one lock") {
  Shared<int> balance{100};
  weft::Mutex mutex;
  auto withdraw = [&] {
    std::lock_guard guard(mutex);
    if (balance.load() >= 80) {
      weft::this_fiber::yield();
      balance.store(balance.load() - 80);
    }
  };
  auto a = weft::spawn(withdraw, {.name = "withdraw-a"});
  auto b = weft::spawn(withdraw, {.name = "withdraw-b"});
  a.join();
  b.join();
  WEFT_ASSERT(balance.load() == 20);
}

// --- lock-order inversion -------------------------------------------------------------

WEFT_SCENARIO_MUST_FAIL(lock_order, "one fiber takes A then B, the other B then A") {
  weft::Mutex a, b;
  auto first = weft::spawn(
      [&] {
        std::lock_guard la(a);
        std::lock_guard lb(b);
      },
      {.name = "a-then-b"});
  auto second = weft::spawn(
      [&] {
        std::lock_guard lb(b);
        std::lock_guard la(a);
      },
      {.name = "b-then-a"});
  first.join();
  second.join();
}

WEFT_SCENARIO(lock_order_fixed, "both fibers take A and B with weft::lock") {
  weft::Mutex a, b;
  auto first = weft::spawn([&] { weft::ScopedLock both(a, b); }, {.name = "a-and-b"});
  auto second = weft::spawn([&] { weft::ScopedLock both(b, a); }, {.name = "b-and-a"});
  first.join();
  second.join();
}

}  // namespace
