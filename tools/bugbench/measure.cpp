// Measuring one bug: explore it until its first failure, replay that failure, then
// explore its fixed twin for the whole budget.
#include <string_view>

#include "bugbench.hpp"

namespace weft::bugbench {

namespace {

constexpr std::string_view kTwinSuffix = "_fixed";
constexpr std::string_view kPortfolioPrefix = "portfolio/";

// Default knobs, untouched by WEFT_CHECK_* variables; the time to the first failure is
// what is measured, so neither shrinking nor printing is wanted.
check::Options options_for(const check::Scenario& scenario, const Settings& settings,
                           std::size_t iterations) {
  check::Options o;
  o.strategy = settings.strategy;
  o.iterations = iterations;
  o.seed = settings.seed;
  o.shrink = false;
  o.print_failure = false;
  o.from_env = false;
  o.name = scenario.name;
  return o;
}

std::string member_of(const std::string& strategy) {
  if (strategy.starts_with(kPortfolioPrefix)) return strategy.substr(kPortfolioPrefix.size());
  return strategy;
}

}  // namespace

std::vector<const check::Scenario*> bugs_matching(const std::string& filter) {
  std::vector<const check::Scenario*> bugs;
  for (const check::Scenario& s : check::scenarios())
    if (s.must_fail && s.name.find(filter) != std::string::npos) bugs.push_back(&s);
  return bugs;
}

Row measure(const check::Scenario& bug, const Settings& settings) {
  Row row;
  row.bug = bug.name;
  check::Report found = check::explore(options_for(bug, settings, settings.iterations), bug.body);
  row.found = !found.ok();
  row.schedules = row.found ? found.iteration + 1 : found.runs;
  row.milliseconds = found.seconds * 1000;
  row.kind = row.found ? check::to_string(found.kind) : "-";
  row.member = row.found ? member_of(found.strategy) : "-";
  if (row.found) {
    check::Options quiet = options_for(bug, settings, 1);
    row.replays = check::replay(found.schedule, bug.body, quiet).kind == found.kind &&
                  check::deterministic(found.schedule, bug.body);
  }

  const check::Scenario* twin = check::find_scenario(bug.name + std::string(kTwinSuffix));
  if (twin == nullptr || twin->must_fail) return row;
  row.twin = twin->name;
  check::Report checked = check::explore(options_for(*twin, settings, settings.twin_iterations), twin->body);
  row.twin_passed = checked.ok();
  row.twin_schedules = checked.ok() ? checked.runs : checked.iteration + 1;
  row.twin_milliseconds = checked.seconds * 1000;
  if (!checked.ok()) {
    row.twin_failure = check::to_string(checked.kind);
    row.twin_report = checked.to_string();
  }
  return row;
}

}  // namespace weft::bugbench
