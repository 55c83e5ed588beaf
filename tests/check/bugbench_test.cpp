// weft-bugbench's measuring and verdict (tools/bugbench), over scenarios of this test's
// own: a bug it finds, a "bug" it cannot find beside a twin that fails (a false
// positive), and a bug without a twin. The real catalogue is the bugbench test itself.
#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

#include "bugbench.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace bench = weft::bugbench;
using weft::check::Shared;

namespace {

void increment_twice(bool locked) {
  Shared<int> value{0};
  weft::Mutex mutex;
  auto add = [&] {
    std::unique_lock guard(mutex, std::defer_lock);
    if (locked) guard.lock();
    int v = value.load();
    weft::this_fiber::yield();
    value.store(v + 1);
  };
  auto a = weft::spawn(add);
  auto b = weft::spawn(add);
  a.join();
  b.join();
  WEFT_ASSERT(value.load() == 2);
}

WEFT_SCENARIO_MUST_FAIL(bench_race, "two unlocked increments") { increment_twice(false); }
WEFT_SCENARIO(bench_race_fixed, "two locked increments") { increment_twice(true); }

WEFT_SCENARIO_MUST_FAIL(bench_hidden, "no concurrency at all: nothing to find") {
  auto f = weft::spawn([] {});
  f.join();
}
WEFT_SCENARIO(bench_hidden_fixed, "a 'fix' that always fails") { WEFT_ASSERT(1 + 1 == 3); }

WEFT_SCENARIO_MUST_FAIL(bench_alone, "a bug without a fixed twin") { increment_twice(false); }

bench::Settings small_budget() {
  bench::Settings s;
  s.iterations = 200;
  s.twin_iterations = 100;
  s.seed = 7;
  return s;
}

const weft::check::Scenario& scenario(const char* name) {
  const weft::check::Scenario* s = weft::check::find_scenario(name);
  REQUIRE(s != nullptr);
  return *s;
}

std::optional<bench::Settings> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "weft-bugbench");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return bench::parse_arguments(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("a found bug: schedules, failure, the member that found it, replay, its twin", "[checker][bugbench]") {
  bench::Row row = bench::measure(scenario("bench_race"), small_budget());
  CHECK(row.found);
  CHECK(row.schedules >= 1);
  CHECK(row.schedules <= 200);
  CHECK(row.kind == "data race");
  CHECK(row.member.rfind("portfolio/", 0) == std::string::npos);
  CHECK((row.member.rfind("pct", 0) == 0 || row.member == "random" || row.member.rfind("dfs", 0) == 0));
  CHECK(row.replays);
  CHECK(row.twin == "bench_race_fixed");
  CHECK(row.twin_passed);
  CHECK(row.twin_schedules == 100);
  CHECK(bench::print_summary({row}, small_budget()));
}

TEST_CASE("a bug not found and a failing twin fail the benchmark", "[checker][bugbench]") {
  bench::Row row = bench::measure(scenario("bench_hidden"), small_budget());
  CHECK_FALSE(row.found);
  CHECK(row.schedules == 200);
  CHECK(row.kind == "-");
  CHECK_FALSE(row.twin_passed);
  CHECK(row.twin_failure == "assertion failed");
  CHECK(row.twin_schedules == 1);
  CHECK_FALSE(bench::print_summary({row}, small_budget()));

  bench::Row found = bench::measure(scenario("bench_race"), small_budget());
  bench::Row false_positive = found;
  false_positive.twin_passed = false;
  CHECK_FALSE(bench::print_summary({found, false_positive}, small_budget()));
}

TEST_CASE("a bug without a twin is measured alone", "[checker][bugbench]") {
  bench::Row row = bench::measure(scenario("bench_alone"), small_budget());
  CHECK(row.found);
  CHECK(row.twin.empty());
  CHECK(bench::print_summary({row}, small_budget()));
}

TEST_CASE("the bugs are the must-fail scenarios matching the filter", "[checker][bugbench]") {
  std::vector<std::string> names;
  for (const auto* s : bench::bugs_matching("bench_")) names.push_back(s->name);
  CHECK(names == std::vector<std::string>{"bench_alone", "bench_hidden", "bench_race"});  // by name
  CHECK(bench::bugs_matching("hidden").size() == 1);
  CHECK(bench::bugs_matching("no such bug").empty());
}

TEST_CASE("the command line: defaults, budgets, and clear errors", "[checker][bugbench]") {
  auto defaults = parse({});
  REQUIRE(defaults);
  CHECK(defaults->iterations == 10000);
  CHECK(defaults->twin_iterations == 10000);
  CHECK_FALSE(defaults->json);

  auto set = parse({"--iterations", "500", "--seed", "3", "--filter", "aba", "--json"});
  REQUIRE(set);
  CHECK(set->iterations == 500);
  CHECK(set->twin_iterations == 500);  // follows --iterations unless given
  CHECK(set->seed == 3);
  CHECK(set->filter == "aba");
  CHECK(set->json);
  CHECK(parse({"--twin-iterations", "1000"})->twin_iterations == 1000);
  CHECK(std::holds_alternative<weft::check::Pct>(parse({"--strategy", "pct"})->strategy));
  CHECK_FALSE(parse({"--help"}));

  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--iterations", "0"}, "--iterations wants a whole number from 1 to 1000000000, not '0'"},
      {{"--iterations", "12x"}, "not '12x'"},
      {{"--twin-iterations", "-1"}, "--twin-iterations wants a whole number"},
      {{"--seed"}, "--seed needs a value"},
      {{"--strategy", "fast"}, "--strategy wants portfolio, random, pct or dfs, not 'fast'"},
      {{"--verbose"}, "unknown argument '--verbose'"},
  };
  for (const auto& [args, says] : bad) {
    INFO(args[0]);
    try {
      parse(args);
      FAIL("accepted");
    } catch (const bench::BadArguments& e) {
      CHECK(e.message.find(says) != std::string::npos);
    }
  }
}
