// The bugs among a hundred fibers of tools/scenarios/many_fiber_bugs.cpp: the default
// strategy finds each within 10,000 schedules and says which of its members did; the
// fixes pass.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "support/checker_options.hpp"
#include "weft/check.hpp"

namespace check = weft::check;

namespace {

const char* const kBugs[] = {"early_publish_100", "vanishing_transfer_100"};

check::Report explore_scenario(const std::string& name, check::Options options) {
  const check::Scenario* s = check::find_scenario(name);
  REQUIRE(s != nullptr);
  options.name = name;
  return check::explore(options, s->body);
}

// Runs for each fixed twin: fewer under sanitizers (set by tests/check/meson.build).
std::size_t fixed_budget() {
  const char* text = std::getenv("WEFT_TEST_FIXED_RUNS");
  return text ? std::strtoull(text, nullptr, 10) : 1000;
}

}  // namespace

TEST_CASE("the default strategy finds each hundred-fiber bug within 10,000 schedules", "[checker]") {
  for (const char* name : kBugs) {
    for (std::uint64_t seed : {1, 2, 3}) {
      check::Options o = weft_test::quiet(check::Portfolio{}, 10000);
      o.seed = seed;
      o.shrink = false;
      auto report = explore_scenario(name, o);
      INFO(name << " seed " << seed << ": " << report.to_string());
      REQUIRE_FALSE(report.ok());
      CHECK(report.kind == check::FailureKind::Assertion);
      CHECK(report.strategy == "portfolio/pos");
    }
  }
}

TEST_CASE("the member named for a hundred-fiber bug is the same with two threads", "[checker]") {
  check::Options one = weft_test::quiet(check::Portfolio{}, 10000);
  one.shrink = false;
  check::Options two = one;
  two.threads = 2;
  for (const char* name : kBugs) {
    auto a = explore_scenario(name, one);
    auto b = explore_scenario(name, two);
    REQUIRE_FALSE(a.ok());
    CHECK(a.strategy == b.strategy);
    CHECK(a.iteration == b.iteration);
    CHECK(a.schedule == b.schedule);
  }
}

TEST_CASE("the fixed hundred-fiber scenarios pass", "[checker]") {
  for (const char* name : kBugs) {
    auto report = explore_scenario(std::string(name) + "_fixed", weft_test::quiet(check::Portfolio{}, fixed_budget()));
    INFO(report.to_string());
    CHECK(report.ok());
  }
}
