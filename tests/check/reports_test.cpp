// Checker reports name the user's code: the line of this file behind a lock taken through
// std::lock_guard, std::unique_lock or std::scoped_lock (weft's lock() records its own
// source), the names of named mutexes, and the wait-for cycle of a deadlock.
#include <catch2/catch.hpp>

#include <mutex>
#include <shared_mutex>
#include <string>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using Catch::Matchers::Contains;
using weft_test::quiet;

namespace {

// "reports_test.cpp:<line>", as reports print a site.
std::string here(int line) { return "reports_test.cpp:" + std::to_string(line); }

// The lines of the scenarios below, recorded as they run.
struct Lines {
  int ab_outer = 0, ab_inner = 0, ba_outer = 0, ba_inner = 0;
} lines;

// Two fibers take two locks in opposite orders, one after the other: never a deadlock,
// always an inversion. Each lock goes through a different std guard.
template <class Lock>
void take_in_opposite_orders(Lock& left, Lock& right) {
  auto ab = weft::spawn(
      [&] {
        std::lock_guard outer(left); lines.ab_outer = __LINE__;
        std::unique_lock inner(right); lines.ab_inner = __LINE__;
      },
      {.name = "ab"});
  ab.join();
  auto ba = weft::spawn(
      [&] {
        std::scoped_lock outer(right); lines.ba_outer = __LINE__;
        std::lock_guard inner(left); lines.ba_inner = __LINE__;
      },
      {.name = "ba"});
  ba.join();
}

// The same two fibers at once, each yielding while it holds its first lock: a deadlock
// in some schedules.
void deadlock_in_opposite_orders(weft::Mutex& left, weft::Mutex& right) {
  auto ab = weft::spawn(
      [&] {
        std::lock_guard outer(left);
        weft::this_fiber::yield();
        std::lock_guard inner(right);
      },
      {.name = "ab"});
  auto ba = weft::spawn(
      [&] {
        std::lock_guard outer(right);
        weft::this_fiber::yield();
        std::lock_guard inner(left);
      },
      {.name = "ba"});
  ab.join();
  ba.join();
}

}  // namespace

TEST_CASE("a lock-order inversion through std guards names the locks and the lines that took them",
          "[checker][reports]") {
  auto scenario = [] {
    weft::Mutex left("left"), right("right");
    take_in_opposite_orders(left, right);
  };
  auto report = check::explore(quiet(check::Random{}, 20), scenario);
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::LockOrderInversion);
  CHECK_THAT(report.message,
             Contains("fiber #1 ab took lock 'right' at " + here(lines.ab_inner)) &&
                 Contains("while holding lock 'left' (taken at " + here(lines.ab_outer)) &&
                 Contains("fiber #2 ba took lock 'left' at " + here(lines.ba_inner)) &&
                 Contains("while holding lock 'right' (taken at " + here(lines.ba_outer)));
  CHECK_THAT(report.message, !Contains("0x") && !Contains("mutex.cpp"));

  // The trace too: every lock and unlock is at a line of this file, on a named object.
  int locks = 0;
  for (const check::TraceEvent& e : report.trace) {
    if (e.op != weft::sched::Op::Lock && e.op != weft::sched::Op::Unlock) continue;
    ++locks;
    CHECK_THAT(e.location, Contains("reports_test.cpp:"));
    CHECK((e.object == "'left'" || e.object == "'right'"));
  }
  CHECK(locks == 8);

  // A replay of the schedule explains the run the same way.
  auto again = check::replay(report.shrunk_schedule, scenario, quiet(check::Random{}));
  CHECK(again.kind == report.kind);
  CHECK(again.message == report.message);
}

TEST_CASE("locks without names are named by address, and so are two locks with one name",
          "[checker][reports]") {
  SECTION("unnamed") {
    auto report = check::explore(quiet(check::Random{}, 20), [] {
      weft::Mutex left, right;
      take_in_opposite_orders(left, right);
    });
    INFO(report.to_string());
    REQUIRE(report.kind == check::FailureKind::LockOrderInversion);
    CHECK_THAT(report.message, Contains("took lock 0x") && Contains("while holding lock 0x"));
    CHECK_THAT(report.message, Contains(here(lines.ab_inner)) && Contains(here(lines.ba_inner)));
  }
  SECTION("one name for two locks") {
    auto report = check::explore(quiet(check::Random{}, 20), [] {
      weft::Mutex left("twin"), right("twin");
      take_in_opposite_orders(left, right);
    });
    INFO(report.to_string());
    REQUIRE(report.kind == check::FailureKind::LockOrderInversion);
    CHECK_THAT(report.message, Contains("took lock 'twin' (0x") && Contains("holding lock 'twin' (0x"));
  }
}

TEST_CASE("recursive and shared mutexes taken through std guards show the user's lines too",
          "[checker][reports]") {
  auto recursive = check::explore(quiet(check::Random{}, 20), [] {
    weft::RecursiveMutex left("left"), right("right");
    take_in_opposite_orders(left, right);
  });
  INFO(recursive.to_string());
  REQUIRE(recursive.kind == check::FailureKind::LockOrderInversion);
  CHECK_THAT(recursive.message, Contains("took lock 'right' at " + here(lines.ab_inner)));

  auto shared = check::explore(quiet(check::Random{}, 20), [] {
    weft::SharedMutex left("left"), right("right");
    take_in_opposite_orders(left, right);
  });
  INFO(shared.to_string());
  REQUIRE(shared.kind == check::FailureKind::LockOrderInversion);
  CHECK_THAT(shared.message, Contains("took lock 'left' at " + here(lines.ba_inner)));
}

TEST_CASE("a checker deadlock report names the mutexes, their holders and the cycle",
          "[checker][reports]") {
  auto report = check::explore(quiet(check::Random{}, 200), [] {
    weft::Mutex left("left"), right("right");
    deadlock_in_opposite_orders(left, right);
  });
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Deadlock);
  CHECK_THAT(report.message, Contains("fiber #1 ab waits on mutex 'right'") &&
                                 Contains("fiber #2 ba waits on mutex 'left'") &&
                                 Contains("held by fiber #2 ba") && Contains("held by fiber #1 ab"));
  CHECK_THAT(report.message, Contains("wait-for cycle of 2: fiber #1 ab waits for mutex 'right' held by "
                                      "fiber #2 ba, which waits for mutex 'left' held by fiber #1 ab"));
}

TEST_CASE("every primitive's step in a trace is at the user's line, not inside weft",
          "[checker][reports]") {
  // One run through many primitives (random schedules), ending in a deliberate failure so
  // that the trace is rendered.
  auto report = check::explore(quiet(check::Random{}, 5), [] {
    weft::Mutex m("m");
    weft::ConditionVariable cv;
    weft::Semaphore permits(0);
    weft::Event ready;
    weft::Channel<int> numbers(0);
    weft::SharedMutex table("table");
    bool flag = false;
    auto producer = weft::spawn([&] {
      (void)numbers.send(1);
      permits.release();
      {
        std::lock_guard guard(m);
        flag = true;
      }
      cv.notify_one();
      ready.set();
      std::unique_lock writer(table);
    });
    (void)numbers.recv();
    permits.acquire();
    {
      std::unique_lock lock(m);
      cv.wait(lock, [&] { return flag; });
    }
    ready.wait();
    { std::shared_lock reader(table); }
    producer.join();
    WEFT_ASSERT(!flag);  // fails: renders the trace
  });
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Assertion);
  REQUIRE(report.trace.size() > 10);
  for (const check::TraceEvent& e : report.trace) {
    INFO(e.step << " " << weft::sched::to_string(e.op));
    if (!e.location.empty()) CHECK_THAT(e.location, Contains("reports_test.cpp:"));
  }
}
