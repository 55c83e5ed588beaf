// The sync primitives under the interleaving checker: each scenario must hold in every
// explored schedule (with spurious condition-variable wake-ups allowed), and a
// condition wait guarded by `if` instead of a loop must be caught.
#include <catch2/catch.hpp>

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

check::Options options(std::size_t iterations = 300) {
  check::Options o;
  o.iterations = iterations;
  o.seed = 11;
  o.spurious_wakeups = true;
  o.from_env = false;
  return o;
}

// Passed, after exploring many schedules (or all of them).
void expect_ok(const check::Report& report) {
  CHECK(report.ok());
  INFO("runs: " << report.runs);
  CHECK((report.runs >= 50 || report.exhaustive));
}

template <class Body>
void spawn_all(int n, Body body) {
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < n; ++i) fibers.push_back(weft::spawn([&, i] { body(i); }));
  for (auto& f : fibers) f.join();
}

}  // namespace

TEST_CASE("Checker: a Mutex-guarded read-yield-write never loses an update", "[checker]") {
  auto report = check::explore(options(), [] {
    check::Shared<int> value{0};
    weft::Mutex m;
    spawn_all(3, [&](int) {
      std::lock_guard guard(m);
      int v = value.load();
      weft::this_fiber::yield();
      value.store(v + 1);
    });
    WEFT_ASSERT(value.load() == 3);
  });
  expect_ok(report);
}

TEST_CASE("Checker: ConditionVariable hand-over with predicate waits", "[checker]") {
  auto report = check::explore(options(), [] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    check::Shared<int> items{0};
    check::Shared<int> taken{0};
    spawn_all(3, [&](int i) {
      if (i == 0) {
        for (int k = 0; k < 2; ++k) {
          {
            std::lock_guard guard(m);
            items.update([](int& n) { ++n; });
          }
          cv.notify_one();
        }
      } else {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return items.load() > 0; });
        items.update([](int& n) { --n; });
        taken.update([](int& n) { ++n; });
      }
    });
    WEFT_ASSERT(taken.load() == 2 && items.load() == 0);
  });
  expect_ok(report);
}

TEST_CASE("Checker: a condition wait without a loop is caught by a spurious wake-up",
          "[checker]") {
  check::Options o = options(2000);
  o.print_failure = false;
  auto report = check::explore(o, [] {
    weft::Mutex m;
    weft::ConditionVariable cv;
    check::Shared<bool> ready{false};
    spawn_all(2, [&](int i) {
      std::unique_lock lock(m);
      if (i == 0) {
        if (!ready.load()) cv.wait(lock);  // the bug: `if`, not `while`
        WEFT_ASSERT(ready.load());
      } else {
        ready.store(true);
        cv.notify_one();
      }
    });
  });
  CHECK(report.kind == check::FailureKind::Assertion);
}

TEST_CASE("Checker: Semaphore, SharedMutex, Barrier, WaitGroup and call_once", "[checker]") {
  SECTION("a semaphore admits at most its count") {
    auto report = check::explore(options(), [] {
      weft::Semaphore s(2);
      check::Atomic<int> inside{0};
      spawn_all(4, [&](int) {
        s.acquire();
        WEFT_ASSERT(inside.fetch_add(1) < 2);
        weft::this_fiber::yield();
        inside.fetch_add(-1);
        s.release();
      });
    });
    expect_ok(report);
  }
  SECTION("readers never see a writer's half-done update") {
    auto report = check::explore(options(), [] {
      weft::SharedMutex m;
      check::Shared<int> a{0}, b{0};
      spawn_all(4, [&](int i) {
        if (i % 2 == 0) {
          std::unique_lock lock(m);
          a.store(a.load() + 1);
          weft::this_fiber::yield();
          b.store(b.load() + 1);
        } else {
          std::shared_lock lock(m);
          WEFT_ASSERT(a.load() == b.load());
        }
      });
      WEFT_ASSERT(a.load() == 2);
    });
    expect_ok(report);
  }
  SECTION("a barrier phase ends only when everyone arrived") {
    auto report = check::explore(options(), [] {
      check::Atomic<int> arrived{0}, serial{0};
      weft::Barrier barrier(3);
      spawn_all(3, [&](int) {
        arrived.fetch_add(1);
        if (barrier.arrive_and_wait()) serial.fetch_add(1);
        WEFT_ASSERT(arrived.load() == 3);
      });
      WEFT_ASSERT(serial.load() == 1);
    });
    expect_ok(report);
  }
  SECTION("a wait group waits for every done") {
    auto report = check::explore(options(), [] {
      weft::WaitGroup wg;
      check::Shared<int> done[2];  // one cell per worker: wait() must order both writes
      wg.add(2);
      std::vector<weft::JoinHandle<void>> workers;
      for (int i = 0; i < 2; ++i)
        workers.push_back(weft::spawn([&, i] {
          done[i].store(1);
          wg.done();
        }));
      wg.wait();
      WEFT_ASSERT(done[0].load() + done[1].load() == 2);
      for (auto& w : workers) w.join();
    });
    expect_ok(report);
  }
  SECTION("call_once runs once and publishes its result") {
    auto report = check::explore(options(), [] {
      weft::OnceFlag flag;
      check::Shared<int> value{0};
      check::Atomic<int> runs{0};
      spawn_all(3, [&](int) {
        weft::call_once(flag, [&] {
          runs.fetch_add(1);
          weft::this_fiber::yield();
          value.store(42);
        });
        WEFT_ASSERT(value.load() == 42);
      });
      WEFT_ASSERT(runs.load() == 1);
    });
    expect_ok(report);
  }
}
