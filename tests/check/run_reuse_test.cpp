// An exploring thread keeps one controller and one kernel runtime for all its runs: each
// run must start from nothing, as it would on a fresh runtime.
#include <catch2/catch.hpp>

#include <regex>
#include <string>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using weft_test::quiet;

namespace {

// Takes a, then b, or b, then a, as the data choice says. Each run takes one order only.
void one_order_per_run() {
  weft::Mutex a, b;
  weft::Mutex& first = check::choose(2) == 0 ? a : b;
  weft::Mutex& second = &first == &a ? b : a;
  std::lock_guard outer(first);
  std::lock_guard inner(second);
}

// Two fibers write x: under the mutex, or (when the data choice says so) the second one
// without it. Runs of the first kind order fiber #1's write before #2's through the
// mutex; clocks that survived such a run would make the racy run look ordered too.
void race_after_ordered_runs() {
  const bool racy = check::choose(2) == 1;
  weft::Mutex mutex;
  check::Shared<int> x{0};
  auto one = weft::spawn([&] {
    std::lock_guard guard(mutex);
    x.store(1);
  });
  auto two = weft::spawn([&] {
    if (racy) {
      x.store(2);
      return;
    }
    std::lock_guard guard(mutex);
    x.store(2);
  });
  one.join();
  two.join();
}

}  // namespace

TEST_CASE("a run does not inherit the lock order of the runs before it", "[checker]") {
  auto report = check::explore(quiet(check::Random{}, 64), one_order_per_run);
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(report.runs == 64);

  // Both orders in one run are an inversion: the check above would have seen a leak.
  auto both = check::explore(quiet(check::Random{}, 1), [] {
    weft::Mutex a, b;
    { std::lock_guard x(a); std::lock_guard y(b); }
    { std::lock_guard y(b); std::lock_guard x(a); }
  });
  CHECK(both.kind == check::FailureKind::LockOrderInversion);
}

TEST_CASE("a run does not inherit the happens-before clocks of the runs before it", "[checker]") {
  check::Options o = quiet(check::Random{}, 200);
  o.shrink = false;
  auto report = check::explore(o, race_after_ordered_runs);
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::DataRace);
  // Found after earlier runs on the same runtime (seed 7 starts with ordered runs).
  CHECK(report.iteration > 0);
}

TEST_CASE("a failure found after many runs replays exactly on a fresh runtime", "[checker]") {
  // Object addresses differ between runtimes; everything else in the report must not.
  const auto without_addresses = [](const std::string& text) {
    return std::regex_replace(text, std::regex("0x[0-9a-f]+"), "0x?");
  };
  int found_later = 0;
  // The six classic bugs: each is found by random and by PCT within this budget (the
  // rest of the catalogue is the bug benchmark's, under the default strategy).
  for (const char* name : {"lost_update", "philosophers", "producer_consumer_hang", "lost_wakeup",
                           "check_then_act", "lock_order"}) {
    const check::Scenario& scenario = *check::find_scenario(name);
    for (const check::StrategySpec& strategy :
         {check::StrategySpec{check::Random{}}, check::StrategySpec{check::Pct{3}}}) {
      check::Options o = quiet(strategy, 1000);
      o.shrink = false;
      auto found = check::explore(o, scenario.body);
      INFO(scenario.name << ": " << found.to_string());
      REQUIRE_FALSE(found.ok());
      if (found.iteration == 0) continue;  // ran on a fresh runtime: nothing to compare
      ++found_later;
      auto again = check::replay(found.schedule, scenario.body);
      CHECK(again.kind == found.kind);
      CHECK(without_addresses(again.message) == without_addresses(found.message));
      CHECK(check::trace_hash(again.trace) == check::trace_hash(found.trace));
      REQUIRE(again.trace.size() == found.trace.size());
      for (std::size_t i = 0; i < found.trace.size(); ++i) {  // the hash leaves out step numbers
        CHECK(again.trace[i].step == found.trace[i].step);
        CHECK(again.trace[i].fiber_name == found.trace[i].fiber_name);
      }
    }
  }
  CHECK(found_later >= 2);
}
