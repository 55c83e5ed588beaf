// The checker engine on scenarios built from the kernel and tracked memory only.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <vector>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
namespace check = weft::check;
using weft_test::quiet;

namespace {

// Three fibers read, yield, write +1: loses updates under some interleavings.
void lost_update() {
  check::Shared<int> value{0};
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

// The same with atomic increments: always correct.
void atomic_counter() {
  check::Atomic<int> value{0};
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < 3; ++i) fibers.push_back(weft::spawn([&] { value.fetch_add(1); }));
  for (auto& f : fibers) f.join();
  WEFT_ASSERT(value.load() == 3);
}

}  // namespace

TEST_CASE("schedule strings round-trip and reject garbage", "[checker]") {
  check::Schedule s;
  s.decisions = {{check::DecisionKind::Schedule, 0}, {check::DecisionKind::Schedule, 61},
                 {check::DecisionKind::Schedule, 62}, {check::DecisionKind::Waiter, 3},
                 {check::DecisionKind::Data, 1000}, {check::DecisionKind::SpuriousWakeup, 1},
                 {check::DecisionKind::CasFailure, 0}};
  std::string text = s.to_string();
  CHECK(text.rfind("weft1:", 0) == 0);
  auto back = check::Schedule::parse(text);
  REQUIRE(back);
  CHECK(*back == s);
  std::string error;
  CHECK_FALSE(check::Schedule::parse("weft2:00", &error));
  CHECK(error.find("weft1:") != std::string::npos);
  CHECK_FALSE(check::Schedule::parse("weft1:0{12", &error));
  CHECK_FALSE(check::Schedule::parse("weft1:0#", &error));
  CHECK_FALSE(check::Schedule::parse("weft1:!", &error));
}

TEST_CASE("every strategy finds the lost update and the report explains it", "[checker]") {
  for (check::StrategySpec strategy : {check::StrategySpec{check::Random{}}, check::StrategySpec{check::Pct{3}},
                                       check::StrategySpec{check::Dfs{}}, check::StrategySpec{check::Portfolio{}}}) {
    auto report = check::explore(quiet(strategy), lost_update);
    INFO(report.to_string());
    REQUIRE_FALSE(report.ok());
    // Unordered accesses to Shared memory: found as a race (or, with races off, the assert).
    CHECK(report.kind == check::FailureKind::DataRace);
    CHECK(report.message.find("data race") != std::string::npos);
    CHECK_FALSE(report.schedule.empty());
    CHECK_FALSE(report.shrunk_schedule.empty());
    CHECK(report.shrunk_preemptions <= report.preemptions);
    CHECK_FALSE(report.trace.empty());
    CHECK(report.to_string().find("WEFT_REPLAY=") != std::string::npos);
  }
  auto options = quiet(check::Random{});
  options.races = false;
  auto report = check::explore(options, lost_update);
  CHECK(report.kind == check::FailureKind::Assertion);
  CHECK(report.message.find("value.load() == 3") != std::string::npos);
}

TEST_CASE("a correct scenario passes and small ones are explored exhaustively", "[checker]") {
  auto report = check::explore(quiet(check::Dfs{}, 100000), atomic_counter);
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(report.exhaustive);
  CHECK(report.to_string().find("explored all") != std::string::npos);
  auto random = check::explore(quiet(check::Random{}, 300), atomic_counter);
  CHECK(random.ok());
  CHECK(random.runs == 300);
  CHECK_FALSE(random.exhaustive);
}

TEST_CASE("DFS counts interleavings exactly and sleep sets prune independent ones", "[checker]") {
  // Two fibers, one access each to *different* variables: all orders are equivalent.
  auto independent = [] {
    check::Shared<int> a{0}, b{0};
    auto x = weft::spawn([&] { a.store(1); });
    auto y = weft::spawn([&] { b.store(1); });
    x.join();
    y.join();
  };
  // The same two fibers writing the *same* atomic: orders differ.
  auto dependent = [] {
    check::Atomic<int> a{0};
    auto x = weft::spawn([&] { a.store(1); });
    auto y = weft::spawn([&] { a.store(2); });
    x.join();
    y.join();
  };
  auto options = quiet(check::Dfs{.max_preemptions = 3}, 100000);
  auto r1 = check::explore(options, independent);
  auto r2 = check::explore(options, dependent);
  REQUIRE(r1.exhaustive);
  REQUIRE(r2.exhaustive);
  CHECK(r1.runs < r2.runs);
}

TEST_CASE("a replay reproduces the failing run exactly, every time", "[checker]") {
  auto report = check::explore(quiet(check::Pct{3}), lost_update);
  REQUIRE_FALSE(report.ok());
  auto options = quiet(check::Random{});
  std::set<std::uint64_t> hashes;
  for (int i = 0; i < 100; ++i) {
    auto again = check::replay(report.shrunk_schedule, lost_update, options);
    REQUIRE(again.kind == report.kind);
    hashes.insert(check::trace_hash(again.trace));
  }
  CHECK(hashes.size() == 1);
  CHECK(*hashes.begin() == check::trace_hash(report.trace));
  std::string why;
  CHECK(check::deterministic(report.shrunk_schedule, lost_update, &why));
}

TEST_CASE("a replay that does not match the scenario reports where it diverged", "[checker]") {
  auto report = check::replay("weft1:0000000000000000000000000000000000000099", atomic_counter,
                              quiet(check::Random{}));
  CHECK(report.kind == check::FailureKind::Diverged);
  CHECK(report.message.find("diverged at step") != std::string::npos);
  CHECK_THROWS_AS(check::replay("not a schedule", atomic_counter), weft::UsageError);
}

TEST_CASE("virtual time: sleeping for a long time costs nothing", "[checker]") {
  auto start = std::chrono::steady_clock::now();
  auto report = check::explore(quiet(check::Random{}, 20), [] {
    auto sleeper = weft::spawn([] { weft::this_fiber::sleep_for(10s); });
    auto t0 = weft::now();
    weft::this_fiber::sleep_for(1h);
    WEFT_ASSERT(weft::now() - t0 >= 1h);
    sleeper.join();
  });
  CHECK(report.ok());
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("deadlocks are reported with the wait-for cycle", "[checker]") {
  auto report = check::explore(quiet(check::Random{}, 50), [] {
    weft::JoinHandle<void> a, b;
    a = weft::spawn([&] { weft::this_fiber::yield(); b.join(); }, {.name = "left"});
    b = weft::spawn([&] { a.join(); }, {.name = "right"});
    weft::this_fiber::sleep_for(1s);  // both handles are set by now
    a.join();  // keeps the handles alive while the two wait for each other
  });
  REQUIRE(report.kind == check::FailureKind::Deadlock);
  CHECK(report.message.find("left") != std::string::npos);
  CHECK(report.message.find("right") != std::string::npos);
  CHECK(report.message.find("wait-for cycle of 2") != std::string::npos);
}

TEST_CASE("runs that never end hit the step bound", "[checker]") {
  auto options = quiet(check::Random{}, 5);
  options.max_steps = 500;
  auto report = check::explore(options, [] {
    check::Atomic<bool> stop{false};
    auto spinner = weft::spawn([&] {
      while (!stop.load()) weft::this_fiber::yield();
    });
    while (true) weft::this_fiber::yield();  // never sets stop
  });
  CHECK(report.kind == check::FailureKind::StepBound);
  CHECK(report.message.find("500") != std::string::npos);
}

TEST_CASE("exceptions escaping the scenario or an unjoined fiber are failures", "[checker]") {
  auto thrown = check::explore(quiet(check::Random{}, 5), [] { throw std::runtime_error("kaboom"); });
  CHECK(thrown.kind == check::FailureKind::Exception);
  CHECK(thrown.message.find("kaboom") != std::string::npos);
  auto lost = check::explore(quiet(check::Random{}, 5), [] {
    weft::spawn([] { throw std::runtime_error("nobody joins me"); }, {.name = "orphan"}).detach();
  });
  CHECK(lost.kind == check::FailureKind::Exception);
  CHECK(lost.message.find("orphan") != std::string::npos);
}

TEST_CASE("check::choose explores the scenario's own choices", "[checker]") {
  // Fails only when the data choice is 3 of 4: DFS must try it.
  auto report = check::explore(quiet(check::Dfs{}, 100), [] { WEFT_ASSERT(check::choose(4) != 3); });
  REQUIRE(report.kind == check::FailureKind::Assertion);
  CHECK(report.schedule.find("~3") != std::string::npos);
}

TEST_CASE("compare_exchange_weak may fail spuriously under the checker", "[checker]") {
  auto report = check::explore(quiet(check::Dfs{}, 100), [] {
    check::Atomic<int> a{0};
    int expected = 0;
    WEFT_ASSERT(a.compare_exchange_weak(expected, 1));
  });
  CHECK(report.kind == check::FailureKind::Assertion);
}

TEST_CASE("outside the checker tracked memory and WEFT_ASSERT behave plainly", "[checker]") {
  weft::run([] {
    check::Shared<int> s{1};
    s.store(s.load() + 1);
    CHECK(s.load() == 2);
    check::Atomic<int> a{0};
    CHECK(a.fetch_add(5) == 0);
    CHECK(check::choose(7) == 0);
  });
  CHECK_THROWS_AS([] { WEFT_ASSERT(1 + 1 == 3); }(), check::AssertionFailed);
}

TEST_CASE("explore refuses to run inside a fiber", "[checker]") {
  weft::run([] { CHECK_THROWS_AS(check::explore(quiet(check::Random{}, 1), [] {}), weft::UsageError); });
}

TEST_CASE("reports export a Chrome trace and an HTML timeline", "[checker]") {
  auto report = check::explore(quiet(check::Random{}), lost_update);
  REQUIRE_FALSE(report.ok());
  std::ostringstream json, html;
  report.write_chrome_trace(json);
  report.write_html(html);
  CHECK(json.str().find("\"traceEvents\"") != std::string::npos);
  CHECK(json.str().find("\"thread_name\"") != std::string::npos);
  CHECK(html.str().find("<!doctype html>") != std::string::npos);
  CHECK(html.str().find(report.shrunk_schedule) != std::string::npos);
}

TEST_CASE("parallel exploration reports the same failing run as one thread", "[checker]") {
  auto one = quiet(check::Random{});
  auto two = one;
  two.threads = 2;
  auto a = check::explore(one, lost_update);
  auto b = check::explore(two, lost_update);
  REQUIRE_FALSE(a.ok());
  REQUIRE_FALSE(b.ok());
  CHECK(a.iteration == b.iteration);
  CHECK(a.schedule == b.schedule);
  // A rarer failure, so that both threads are busy before one of them finds it.
  auto rare = [] { WEFT_ASSERT(check::choose(40) != 17); };
  auto c = check::explore(one, rare);
  auto d = check::explore(two, rare);
  REQUIRE_FALSE(c.ok());
  CHECK(c.iteration > 0);
  CHECK(c.iteration == d.iteration);
  CHECK(c.schedule == d.schedule);
  auto passing = check::explore([&] { auto o = quiet(check::Pct{3}, 400); o.threads = 2; return o; }(),
                                atomic_counter);
  CHECK(passing.ok());
  CHECK(passing.runs == 400);
}

TEST_CASE("with one simulated worker fibers switch only where they block or yield", "[checker]") {
  // Two fibers increment without a lock but never yield in between: on one cooperative
  // worker that is correct, on parallel workers it races.
  auto scenario = [] {
    check::Shared<int> value{0};
    auto a = weft::spawn([&] { value.store(value.load() + 1); });
    auto b = weft::spawn([&] { value.store(value.load() + 1); });
    a.join();
    b.join();
    WEFT_ASSERT(value.load() == 2);
  };
  auto one = quiet(check::Dfs{}, 10000);
  one.workers = 1;
  auto cooperative = check::explore(one, scenario);
  CHECK(cooperative.ok());
  CHECK(cooperative.exhaustive);
  auto parallel = check::explore(quiet(check::Dfs{}, 10000), scenario);
  CHECK(parallel.kind == check::FailureKind::DataRace);
}
