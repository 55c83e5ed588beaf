// What replay() and shrink_schedule() say about their options and about a run that ended
// before its schedule did: options out of range are refused as explore() refuses them,
// and a run cut short by its own failure is not described as having gone on with
// default choices.
#include <catch2/catch.hpp>

#include <string>

#include "weft/check.hpp"
#include "weft/sched/errors.hpp"

namespace {

const weft::check::Scenario& scenario(const char* name) {
  const weft::check::Scenario* s = weft::check::find_scenario(name);
  REQUIRE(s != nullptr);
  return *s;
}

weft::check::Options quiet() {
  weft::check::Options options;
  options.from_env = false;
  options.print_failure = false;
  return options;
}

// The schedule lost_update_fixed makes on one worker when nobody preempts.
constexpr const char* kDefaultRun = "weft1:000000";

}  // namespace

TEST_CASE("replay and shrink_schedule refuse options out of range", "[checker][replay]") {
  using Catch::Contains;
  const auto& body = scenario("lost_update_fixed").body;
  auto workers = quiet();
  workers.workers = 0;
  CHECK_THROWS_AS(weft::check::replay(kDefaultRun, body, workers), weft::sched::UsageError);
  CHECK_THROWS_WITH(weft::check::replay(kDefaultRun, body, workers),
                    Contains("weft::check::replay: Options::workers = 0 is outside 1..64"));
  workers.workers = 65;
  CHECK_THROWS_WITH(weft::check::shrink_schedule(kDefaultRun, body, workers),
                    Contains("weft::check::shrink_schedule: Options::workers = 65 is outside 1..64"));
  auto steps = quiet();
  steps.max_steps = 0;
  CHECK_THROWS_WITH(weft::check::replay(kDefaultRun, body, steps), Contains("Options::max_steps = 0"));
}

TEST_CASE("the schedule a replay test starts from fits", "[checker][replay]") {
  auto options = quiet();
  options.workers = 1;
  CHECK(weft::check::replay(kDefaultRun, scenario("lost_update_fixed").body, options).ok());
}

TEST_CASE("a replay cut short by its own failure says it failed there", "[checker][replay]") {
  auto options = quiet();
  options.workers = 1;
  options.max_steps = 3;  // the run follows the schedule, then exceeds its step bound
  const weft::check::Report report = weft::check::replay(kDefaultRun, scenario("lost_update_fixed").body, options);
  INFO(report.message);
  CHECK(report.kind == weft::check::FailureKind::Diverged);
  CHECK(report.message.find("got the end of the run (the run failed there: step bound exceeded)") !=
        std::string::npos);
  CHECK(report.message.find("default choices") == std::string::npos);
}
