// Replay is faithful or says why not: a schedule that does not fit the run (a choice out
// of range, a decision of another kind, too few or too many decisions) is reported as a
// divergence naming the step, what was expected and what it got, never replaced by
// another schedule; a malformed one is an invalid schedule. weft-check exits with 2 for
// both, 1 only for a real failure.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/weft_check_cli.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

const weft::check::Scenario& scenario(const char* name) {
  const weft::check::Scenario* s = weft::check::find_scenario(name);
  REQUIRE(s != nullptr);
  return *s;
}

weft::check::Report replay(const char* name, const std::string& schedule) {
  weft::check::Options options;
  options.from_env = false;
  options.print_failure = false;
  options.name = name;
  return weft::check::replay(schedule, scenario(name).body, options);
}

// A failing schedule of lost_update, as exploring finds it.
std::string failing_schedule() {
  weft::check::Options options;
  options.from_env = false;
  options.print_failure = false;
  options.strategy = weft::check::Random{};
  options.iterations = 1000;
  options.seed = 3;
  weft::check::Report found = weft::check::explore(options, scenario("lost_update").body);
  REQUIRE_FALSE(found.ok());
  return found.schedule;
}

int weft_check_status(std::vector<std::string> args) {
  return weft_test::exit_status(weft_test::weft_check(std::move(args)));
}

}  // namespace

TEST_CASE("a schedule that fits replays its failure exactly", "[checker][replay]") {
  const std::string schedule = failing_schedule();
  weft::check::Report again = replay("lost_update", schedule);
  CHECK(again.kind == weft::check::FailureKind::DataRace);
  CHECK(again.schedule == schedule);
  CHECK(weft_check_status({"replay", "lost_update", schedule}) == 1);
}

TEST_CASE("a schedule that does not fit is a divergence, never another schedule", "[checker][replay]") {
  using weft::check::FailureKind;
  struct Form {
    const char* scenario;
    std::string schedule;
    const char* says;
  };
  const std::string fits = failing_schedule();
  const std::vector<Form> forms = {
      {"lost_update", "weft1:9", "diverged at step 0: expected a scheduling choice among 2 options (0..1), got option 9"},
      {"lost_update", "weft1:zzz", "got option 35"},
      {"lost_update", "weft1:", "diverged at step 0: expected a scheduling choice (the run's next decision), "
                                "got the end of the schedule (0 decisions)"},
      {"lost_update", "weft1:!0", "expected a scheduling choice (the run's next decision), got a waiter choice"},
      {"lost_update", fits + "00000", "got the end of the run"},
      {"lost_update_fixed", fits.substr(0, fits.size() - 1), "got the end of the schedule"},
  };
  for (const Form& f : forms) {
    weft::check::Report r = replay(f.scenario, f.schedule);
    INFO(f.scenario << " " << f.schedule << ": " << r.message);
    CHECK(r.kind == FailureKind::Diverged);
    CHECK(r.message.find(f.says) != std::string::npos);
    CHECK(r.schedule == f.schedule);  // the report names the given schedule, not a substitute
    CHECK(weft_check_status({"replay", f.scenario, f.schedule}) == 2);
  }
}

TEST_CASE("a malformed schedule is refused as invalid", "[checker][replay]") {
  for (const char* bad : {"weft2:0", "0010", "weft1:{12", "weft1:{1x}", "weft1:!", "weft1:0#"}) {
    INFO(bad);
    CHECK_THROWS_WITH(replay("lost_update", bad), Catch::Contains("invalid schedule"));
    CHECK(weft_check_status({"replay", "lost_update", bad}) == 2);
  }
}

TEST_CASE("a replay through explore() prints its failure like a found one", "[checker][replay]") {
  const std::string schedule = failing_schedule();
  auto r = weft_test::run_in_child([&] {
    weft::check::Options options;
    options.from_env = false;
    options.strategy = weft::check::Replay{schedule};
    options.name = "lost_update";
    (void)weft::check::explore(options, scenario("lost_update").body);
  });
  CHECK(r.err.find("scenario 'lost_update' FAILED: data race") != std::string::npos);
  CHECK(r.err.find(schedule) != std::string::npos);
}

TEST_CASE("WEFT_REPLAY replays only into the scenario WEFT_REPLAY_SCENARIO names", "[checker][replay]") {
  const std::string schedule = failing_schedule();
  auto strategies = weft_test::run_in_child([&] {
    ::setenv("WEFT_REPLAY", schedule.c_str(), 1);
    ::setenv("WEFT_REPLAY_SCENARIO", "lost_update", 1);
    for (const char* name : {"lost_update", "lost_update_fixed"}) {
      weft::check::Options options;
      options.print_failure = false;
      options.iterations = 20;
      options.name = name;
      weft::check::Report report = weft::check::explore(options, scenario(name).body);
      std::printf("%s %s %s\n", name, report.strategy.c_str(), report.ok() ? "ok" : "failed");
    }
  });
  INFO(strategies.out << strategies.err);
  CHECK(strategies.out.find("lost_update replay failed") != std::string::npos);
  CHECK(strategies.out.find("lost_update_fixed portfolio") != std::string::npos);  // not replayed
  CHECK(strategies.out.find("lost_update_fixed replay") == std::string::npos);
}
