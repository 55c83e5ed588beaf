// Multi-thread stress of every sync primitive: several kernel threads, each running its
// own weft::run with several fibers, hammer one shared primitive; the counts must add up
// exactly. WEFT_STRESS_SCALE multiplies the iteration counts ('fast' runs 1, 'stress' a
// large value). Catch2 assertions run on the main thread only: fibers on the worker
// threads record what they see in atomics.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft_test::run_on_threads;
using weft_test::stress_scale;

namespace {

constexpr int kThreads = 4;
constexpr int kFibers = 4;  // per thread
constexpr int kAll = kThreads * kFibers;

// Runs body(thread, fiber) in kFibers fibers on each of kThreads threads.
template <class Body>
void hammer(Body body) {
  run_on_threads(kThreads, [&](int t) {
    std::vector<weft::JoinHandle<void>> fibers;
    for (int f = 0; f < kFibers; ++f) fibers.push_back(weft::spawn([&, t, f] { body(t, f); }));
    for (auto& fiber : fibers) fiber.join();
  });
}

// Raises `max` to at least `value`.
void raise_to(std::atomic<int>& max, int value) {
  int seen = max.load();
  while (seen < value && !max.compare_exchange_weak(seen, value)) {
  }
}

}  // namespace

TEST_CASE("Stress: Mutex keeps a shared counter exact", "[stress][mutex]") {
  const std::uint64_t n = 2000 * stress_scale();
  weft::Mutex m("counter");
  std::uint64_t counter = 0;
  std::atomic<int> inside{0}, overlaps{0}, timeouts{0};
  hammer([&](int, int f) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (f == 0) {  // one fiber per thread uses the timed form
        while (!m.try_lock_for(50us)) timeouts.fetch_add(1);
      } else if (f == 1) {
        if (!m.try_lock()) m.lock();
      } else {
        m.lock();
      }
      if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
      const std::uint64_t seen = counter;
      if (i % 8 == 0) weft::this_fiber::yield();
      counter = seen + 1;
      inside.fetch_sub(1);
      m.unlock();
    }
  });
  CHECK(overlaps == 0);
  CHECK(counter == kAll * n);
  CHECK_FALSE(m.is_locked());
}

TEST_CASE("Stress: RecursiveMutex nests and stays exclusive", "[stress][mutex]") {
  const std::uint64_t n = 1000 * stress_scale();
  weft::RecursiveMutex m;
  std::uint64_t counter = 0;
  std::atomic<int> overlaps{0}, inside{0};
  hammer([&](int, int) {
    for (std::uint64_t i = 0; i < n; ++i) {
      std::lock_guard outer(m);
      std::lock_guard inner(m);
      if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
      const std::uint64_t seen = counter;
      if (i % 8 == 0) weft::this_fiber::yield();
      counter = seen + 1;
      inside.fetch_sub(1);
    }
  });
  CHECK(overlaps == 0);
  CHECK(counter == kAll * n);
}

TEST_CASE("Stress: SharedMutex readers never see a half-done write", "[stress][shared_mutex]") {
  const std::uint64_t n = 1000 * stress_scale();
  weft::SharedMutex m;
  std::uint64_t a = 0, b = 0;
  std::atomic<std::uint64_t> reads{0};
  std::atomic<int> torn{0}, writers_inside{0}, readers_inside{0}, bad{0};
  hammer([&](int, int f) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (f % 2 == 0) {  // writer
        if (f == 2) {
          while (!m.try_lock_for(100us)) {
          }
        } else {
          m.lock();
        }
        if (writers_inside.fetch_add(1) != 0 || readers_inside.load() != 0) bad.fetch_add(1);
        ++a;
        if (i % 4 == 0) weft::this_fiber::yield();
        ++b;
        writers_inside.fetch_sub(1);
        m.unlock();
      } else {  // reader
        if (f == 3) {
          while (!m.try_lock_shared_for(100us)) {
          }
        } else {
          m.lock_shared();
        }
        readers_inside.fetch_add(1);
        if (writers_inside.load() != 0) bad.fetch_add(1);
        if (a != b) torn.fetch_add(1);
        if (i % 4 == 0) weft::this_fiber::yield();
        readers_inside.fetch_sub(1);
        m.unlock_shared();
        reads.fetch_add(1);
      }
    }
  });
  CHECK(bad == 0);
  CHECK(torn == 0);
  CHECK(a == kThreads * (kFibers / 2) * n);
  CHECK(b == a);
  CHECK(reads == kThreads * (kFibers / 2) * n);
}

TEST_CASE("Stress: Semaphore never admits more than its count", "[stress][semaphore]") {
  const std::uint64_t n = 1000 * stress_scale();
  constexpr int kPermits = 3;
  auto run = [&](weft::Semaphore& s) {
    std::atomic<int> inside{0}, max_inside{0};
    std::atomic<std::uint64_t> entries{0};
    hammer([&](int, int f) {
      for (std::uint64_t i = 0; i < n; ++i) {
        if (f == 0) {
          while (!s.try_acquire_for(50us)) {
          }
        } else if (f == 1) {
          if (!s.try_acquire()) s.acquire();
        } else {
          s.acquire();
        }
        raise_to(max_inside, inside.fetch_add(1) + 1);
        if (i % 4 == 0) weft::this_fiber::yield();
        inside.fetch_sub(1);
        entries.fetch_add(1);
        s.release();
      }
    });
    CHECK(max_inside <= kPermits);
    CHECK(max_inside >= 1);
    CHECK(entries == kAll * n);
    CHECK(s.available() == kPermits);
  };
  SECTION("Semaphore") {
    weft::Semaphore s(kPermits);
    run(s);
  }
  SECTION("BoundedSemaphore") {
    weft::BoundedSemaphore s(kPermits);
    run(s);
  }
}

TEST_CASE("Stress: Event rounds wake every waiter on every thread", "[stress][event]") {
  const int rounds = static_cast<int>(100 * stress_scale());
  std::vector<std::unique_ptr<weft::Event>> events;
  std::vector<std::unique_ptr<weft::Latch>> arrived;
  for (int r = 0; r < rounds; ++r) {
    events.push_back(std::make_unique<weft::Event>());
    arrived.push_back(std::make_unique<weft::Latch>(kAll - 1));
  }
  std::atomic<std::uint64_t> woken{0};
  hammer([&](int t, int f) {
    for (int r = 0; r < rounds; ++r) {
      if (t == 0 && f == 0) {  // the setter
        arrived[r]->wait();
        events[r]->set();
      } else {
        arrived[r]->count_down();
        if (f % 2 == 0) {
          while (!events[r]->wait_for(100us)) {
          }
        } else {
          events[r]->wait();
        }
        woken.fetch_add(1);
      }
    }
  });
  CHECK(woken == static_cast<std::uint64_t>(rounds) * (kAll - 1));
}

TEST_CASE("Stress: ConditionVariable bounded queue delivers every item once",
          "[stress][condvar]") {
  const std::uint64_t per_producer = 1000 * stress_scale();
  weft::Mutex m("queue");
  weft::ConditionVariable not_empty, not_full;
  std::deque<std::uint64_t> queue;
  constexpr std::size_t kCapacity = 4;
  int producers_left = kAll / 2;
  bool closed = false;
  std::atomic<std::uint64_t> received{0}, sum{0};
  hammer([&](int t, int f) {
    if (f % 2 == 0) {  // producer
      const std::uint64_t base = static_cast<std::uint64_t>(t * kFibers + f) * per_producer;
      for (std::uint64_t i = 0; i < per_producer; ++i) {
        std::unique_lock lock(m);
        if (f == 2) {
          while (!not_full.wait_for(lock, 100us, [&] { return queue.size() < kCapacity; })) {
          }
        } else {
          not_full.wait(lock, [&] { return queue.size() < kCapacity; });
        }
        queue.push_back(base + i);
        lock.unlock();
        not_empty.notify_one();
      }
      std::lock_guard guard(m);
      if (--producers_left == 0) {
        closed = true;
        not_empty.notify_all();
      }
    } else {  // consumer
      std::uint64_t count = 0, total = 0;
      std::unique_lock lock(m);
      for (;;) {
        not_empty.wait(lock, [&] { return !queue.empty() || closed; });
        if (queue.empty()) break;
        total += queue.front();
        ++count;
        queue.pop_front();
        not_full.notify_one();
      }
      received.fetch_add(count);
      sum.fetch_add(total);
    }
  });
  const std::uint64_t items = static_cast<std::uint64_t>(kAll / 2) * per_producer;
  std::uint64_t expected_sum = 0;
  for (int t = 0; t < kThreads; ++t)
    for (int f = 0; f < kFibers; f += 2) {
      const std::uint64_t base = static_cast<std::uint64_t>(t * kFibers + f) * per_producer;
      expected_sum += per_producer * base + per_producer * (per_producer - 1) / 2;
    }
  CHECK(received == items);
  CHECK(sum == expected_sum);
}

TEST_CASE("Stress: Barrier phases across threads", "[stress][barrier]") {
  const int phases = static_cast<int>(100 * stress_scale());
  std::atomic<int> completions{0}, errors{0};
  std::vector<std::atomic<int>> serial(static_cast<std::size_t>(phases));
  weft::Barrier barrier(kAll, [&] { completions.fetch_add(1); });
  hammer([&](int, int f) {
    for (int p = 0; p < phases; ++p) {
      if ((p + f) % 3 == 0) weft::this_fiber::yield();
      const bool is_serial = barrier.arrive_and_wait();
      if (completions.load() != p + 1) errors.fetch_add(1);
      if (is_serial) serial[static_cast<std::size_t>(p)].fetch_add(1);
    }
  });
  CHECK(errors == 0);
  CHECK(completions == phases);
  CHECK(std::all_of(serial.begin(), serial.end(), [](const std::atomic<int>& s) { return s == 1; }));
}

TEST_CASE("Stress: Latch and WaitGroup rounds across threads", "[stress][latch][wait_group]") {
  const int rounds = static_cast<int>(100 * stress_scale());
  std::vector<std::unique_ptr<weft::Latch>> latches;
  std::vector<std::unique_ptr<weft::WaitGroup>> groups;
  for (int r = 0; r < rounds; ++r) {
    latches.push_back(std::make_unique<weft::Latch>(kAll));
    groups.push_back(std::make_unique<weft::WaitGroup>());
    groups.back()->add(kAll);
  }
  std::atomic<std::uint64_t> passed{0};
  std::atomic<int> errors{0};
  hammer([&](int, int f) {
    for (int r = 0; r < rounds; ++r) {
      latches[r]->arrive_and_wait();
      if (latches[r]->count() != 0) errors.fetch_add(1);
      groups[r]->done();
      if (f % 2 == 0) {
        while (!groups[r]->wait_for(100us)) {
        }
      } else {
        groups[r]->wait();
      }
      if (groups[r]->count() != 0) errors.fetch_add(1);
      passed.fetch_add(1);
    }
  });
  CHECK(errors == 0);
  CHECK(passed == static_cast<std::uint64_t>(rounds) * kAll);
}

TEST_CASE("Stress: call_once runs each flag once across threads", "[stress][call_once]") {
  const int rounds = static_cast<int>(100 * stress_scale());
  std::vector<std::unique_ptr<weft::OnceFlag>> flags;
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(rounds));
  std::vector<std::atomic<bool>> ready(static_cast<std::size_t>(rounds));
  for (int r = 0; r < rounds; ++r) flags.push_back(std::make_unique<weft::OnceFlag>());
  std::atomic<int> early{0};
  hammer([&](int, int) {
    for (int r = 0; r < rounds; ++r) {
      const auto i = static_cast<std::size_t>(r);
      weft::call_once(*flags[i], [&] {
        runs[i].fetch_add(1);
        weft::this_fiber::yield();
        ready[i].store(true);
      });
      if (!ready[i].load()) early.fetch_add(1);
    }
  });
  CHECK(early == 0);
  CHECK(std::all_of(runs.begin(), runs.end(), [](const std::atomic<int>& n) { return n == 1; }));
}

TEST_CASE("Stress: weft::lock philosophers share forks across threads", "[stress][lock]") {
  const std::uint64_t meals = 1000 * stress_scale();
  constexpr int kForks = 5;
  std::vector<std::unique_ptr<weft::Mutex>> forks;
  std::vector<std::atomic<int>> in_use(kForks);
  for (int i = 0; i < kForks; ++i) forks.push_back(std::make_unique<weft::Mutex>());
  std::atomic<std::uint64_t> eaten{0};
  std::atomic<int> clashes{0};
  hammer([&](int t, int f) {
    const int left = (t * kFibers + f) % kForks, right = (left + 1) % kForks;
    for (std::uint64_t i = 0; i < meals; ++i) {
      weft::ScopedLock both(*forks[left], *forks[right]);
      if (in_use[left].fetch_add(1) != 0 || in_use[right].fetch_add(1) != 0) clashes.fetch_add(1);
      if (i % 4 == 0) weft::this_fiber::yield();
      in_use[left].fetch_sub(1);
      in_use[right].fetch_sub(1);
      eaten.fetch_add(1);
    }
  });
  CHECK(clashes == 0);
  CHECK(eaten == kAll * meals);
}

TEST_CASE("Stress: timers cancelled from other threads fire or cancel exactly once",
          "[stress][timer]") {
  const int per_thread = static_cast<int>(100 * stress_scale());
  std::vector<std::vector<std::unique_ptr<weft::Timer>>> timers(kThreads);
  std::atomic<std::uint64_t> fired{0}, cancelled{0};
  weft::Barrier created(kThreads), cancelled_all(kThreads);
  weft::Ticker shared_ticker(1h);
  std::atomic<int> ticker_results{0};
  run_on_threads(kThreads, [&](int t) {
    auto& mine = timers[static_cast<std::size_t>(t)];
    for (int i = 0; i < per_thread; ++i)
      mine.push_back(std::make_unique<weft::Timer>(std::chrono::microseconds(i % 7 * 30),
                                                   [&] { fired.fetch_add(1); }));
    auto waiter = weft::spawn([&] { ticker_results.fetch_add(shared_ticker.wait_tick() == 0); });
    (void)created.arrive_and_wait();
    // Cancel the timers of the next thread while they fire on their own thread.
    for (auto& timer : timers[static_cast<std::size_t>((t + 1) % kThreads)])
      if (timer->cancel()) cancelled.fetch_add(1);
    if (t == 0) shared_ticker.stop();
    (void)cancelled_all.arrive_and_wait();
    for (auto& timer : mine) timer->join();
    mine.clear();
    waiter.join();
  });
  CHECK(fired + cancelled == static_cast<std::uint64_t>(kThreads) * per_thread);
  CHECK(ticker_results == kThreads);
}
