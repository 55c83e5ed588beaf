// A catalogue scenario replays the same way every time, wherever malloc puts its
// objects: philosophers_fixed once took its chopsticks in the order of their heap
// addresses (weft::lock orders by address), so a schedule replayed to a pass, a
// divergence or another divergence depending on the heap (found by tests/fuzz/replay_fuzz).
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "weft/check.hpp"

namespace {

// The schedule the replay fuzzer found, on two simulated workers.
constexpr const char* kFoundSchedule = "weft1:012103204310000111010100020001111010";

}  // namespace

TEST_CASE("philosophers_fixed replays the same way whatever the heap holds", "[checker][replay]") {
  const weft::check::Scenario* scenario = weft::check::find_scenario("philosophers_fixed");
  REQUIRE(scenario != nullptr);
  weft::check::Options options;
  options.from_env = false;
  options.print_failure = false;
  options.workers = 2;
  std::vector<std::unique_ptr<char[]>> ballast;  // shifts where the next blocks go
  std::set<std::string> outcomes;
  for (int i = 0; i < 20; ++i) {
    ballast.push_back(std::make_unique<char[]>(static_cast<std::size_t>(24 + 40 * i)));
    const weft::check::Report report = weft::check::replay(kFoundSchedule, scenario->body, options);
    outcomes.insert(std::string(weft::check::to_string(report.kind)) + " " + report.message);
  }
  INFO(*outcomes.begin());
  CHECK(outcomes.size() == 1);
  CHECK(outcomes.begin()->rfind("none", 0) == 0);
  CHECK(weft::check::deterministic(kFoundSchedule, scenario->body));
}
