// The classic-bug scenarios of tools/scenarios/classic_bugs.cpp: what the checker reports.
// (Each strategy's search budget is checked by the weft-check-* tests in tools/; the rest
// of the catalogue, found, replayed and with its fixed twins, by the bugbench test.)
#include <catch2/catch.hpp>

#include <set>

#include "support/checker_options.hpp"
#include "weft/check.hpp"

namespace check = weft::check;

namespace {
constexpr const char* kClassicBugs[] = {"lost_update",    "philosophers", "producer_consumer_hang",
                                        "lost_wakeup",    "check_then_act", "lock_order"};

check::Report run(const char* name, check::StrategySpec strategy, std::size_t iterations = 1000) {
  const check::Scenario* s = check::find_scenario(name);
  REQUIRE(s != nullptr);
  check::Options o = weft_test::quiet(strategy, iterations);
  o.name = name;
  return check::explore(o, s->body);
}
}  // namespace

TEST_CASE("all six bugs and their fixes are registered", "[checker]") {
  for (const char* name : kClassicBugs) {
    const check::Scenario* bug = check::find_scenario(name);
    const check::Scenario* fix = check::find_scenario(std::string(name) + "_fixed");
    REQUIRE(bug);
    REQUIRE(fix);
    CHECK(bug->must_fail);
    CHECK_FALSE(fix->must_fail);
  }
}

TEST_CASE("the philosophers' deadlock is reported with its cycle of five", "[checker]") {
  auto report = run("philosophers", check::Portfolio{});
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Deadlock);
  CHECK(report.message.find("wait-for cycle of 5") != std::string::npos);
  for (int i = 0; i < 5; ++i)
    CHECK(report.message.find("philosopher-" + std::to_string(i)) != std::string::npos);
}

TEST_CASE("a lock-order inversion is reported even when no run deadlocks", "[checker]") {
  // Without preemptions the two fibers never deadlock, but they do take A,B and B,A.
  auto report = run("lock_order", check::Dfs{.max_preemptions = 0});
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::LockOrderInversion);
  CHECK(report.message.find("a-then-b") != std::string::npos);
  CHECK(report.message.find("b-then-a") != std::string::npos);
  CHECK(run("lock_order_fixed", check::Dfs{.max_preemptions = 0}).ok());
}

TEST_CASE("the hang and the lost wake-up are deadlocks naming what each fiber waits on", "[checker]") {
  auto hang = run("producer_consumer_hang", check::Random{});
  REQUIRE(hang.kind == check::FailureKind::Deadlock);
  CHECK(hang.message.find("consumer waits on channel") != std::string::npos);
  auto lost = run("lost_wakeup", check::Random{});
  REQUIRE(lost.kind == check::FailureKind::Deadlock);
  CHECK(lost.message.find("waiter waits on condition variable") != std::string::npos);
}

TEST_CASE("every classic failure replays identically", "[checker]") {
  for (const char* name : kClassicBugs) {
    const check::Scenario& s = *check::find_scenario(name);
    auto report = run(name, check::Portfolio{});
    REQUIRE_FALSE(report.ok());
    std::set<std::uint64_t> hashes;
    for (int i = 0; i < 20; ++i) {
      auto again = check::replay(report.shrunk_schedule, s.body);
      CHECK(again.kind == report.kind);
      hashes.insert(check::trace_hash(again.trace));
    }
    INFO(s.name);
    CHECK(hashes.size() == 1);
  }
}

TEST_CASE("small fixed scenarios are explored exhaustively", "[checker]") {
  for (const char* name : {"lost_update_fixed", "lost_wakeup_fixed", "check_then_act_fixed",
                           "lock_order_fixed", "producer_consumer_hang_fixed"}) {
    auto report = run(name, check::Dfs{}, 50000);
    INFO(report.to_string());
    CHECK(report.ok());
    CHECK(report.exhaustive);
  }
}
