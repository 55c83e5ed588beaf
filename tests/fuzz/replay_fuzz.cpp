// Fuzzes weft::check::replay. The first byte of an input picks a catalogue scenario and
// the checker's options (byte b: scenario b % 3, workers 1 + (b / 3) % 2, spurious
// wake-ups when (b / 6) % 2 is 1; so '0'..'5' name the six scenario and worker pairs,
// '6'..';' the same with spurious wake-ups); the rest is the schedule text. Every replay
// ends, within max_steps, in one of: a pass; a failure the scenario really has; a
// divergence that names its step; or an "invalid schedule" error for text that does not
// parse. A replay that did not diverge followed the schedule exactly, so it reports that
// schedule, and replaying it again ends the same way.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_property.hpp"
#include "weft/check.hpp"
#include "weft/sched/errors.hpp"

namespace {

using weft::check::FailureKind;
using weft_fuzz::broken;

struct Target {
  const char* scenario;
  std::vector<FailureKind> bugs;  // the failures it may really show under some schedule
};

const Target kTargets[] = {
    {"lost_update_fixed", {}},
    {"philosophers_fixed", {}},
    {"lost_wakeup", {FailureKind::Deadlock}},
};
constexpr std::size_t kTargetCount = sizeof(kTargets) / sizeof(kTargets[0]);

// Far above any run of these scenarios (the longest takes a few dozen steps), low enough
// that a schedule which keeps a fiber spinning ends quickly.
constexpr std::size_t kMaxSteps = 1000;

bool expected_failure(const Target& target, FailureKind kind) {
  if (kind == FailureKind::StepBound) return true;  // bounded by kMaxSteps, not a hang
  for (FailureKind bug : target.bugs)
    if (kind == bug) return true;
  return false;
}

void check_invalid(std::string_view text, const std::string& message) {
  if (message.find("invalid schedule: ") == std::string::npos)
    broken("replay threw a usage error that is not about the schedule: " + message);
  if (weft::check::Schedule::parse(text)) broken("replay refused a schedule that parses: " + message);
}

void check_report(const Target& target, const std::string& canonical, const weft::check::Report& report) {
  const std::string what = std::string(target.scenario) + " " + canonical + ": ";
  if (report.kind == FailureKind::Diverged) {
    if (report.message.rfind("diverged at step ", 0) != 0) broken(what + "divergence says " + report.message);
    if (report.schedule != canonical) broken(what + "divergence names schedule " + report.schedule);
    return;
  }
  if (report.schedule != canonical) broken(what + "replay followed another schedule: " + report.schedule);
  if (report.kind != FailureKind::None && !expected_failure(target, report.kind))
    broken(what + "unexpected " + weft::check::to_string(report.kind) + ": " + report.message);
}

void check_deterministic(const weft::check::Report& first, const weft::check::Report& again) {
  if (again.kind != first.kind || again.schedule != first.schedule ||
      weft::check::trace_hash(again.trace) != weft::check::trace_hash(first.trace))
    broken("two replays of " + first.schedule + " differ: " + weft::check::to_string(first.kind) + " vs " +
           weft::check::to_string(again.kind));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Target& target = kTargets[data[0] % kTargetCount];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const weft::check::Scenario* scenario = weft::check::find_scenario(target.scenario);
  if (scenario == nullptr) broken(std::string("no scenario ") + target.scenario + " in the catalogue");

  weft::check::Options options;
  options.from_env = false;
  options.print_failure = false;
  options.shrink = false;
  options.max_steps = kMaxSteps;
  options.workers = 1 + (data[0] / kTargetCount) % 2;
  options.spurious_wakeups = (data[0] / (2 * kTargetCount)) % 2 == 1;
  options.name = target.scenario;
  try {
    const weft::check::Report report = weft::check::replay(text, scenario->body, options);
    auto parsed = weft::check::Schedule::parse(text);
    if (!parsed) broken("replay accepted a schedule that does not parse: " + text);
    check_report(target, parsed->to_string(), report);
    check_deterministic(report, weft::check::replay(text, scenario->body, options));
  } catch (const weft::sched::UsageError& e) {
    check_invalid(text, e.what());
  }
  return 0;
}
