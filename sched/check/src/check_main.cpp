// The weft-check command line (see weft/check/scenario.hpp).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fnmatch.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bounded_number.hpp"
#include "weft/check/scenario.hpp"
#include "weft/sched/errors.hpp"

namespace weft::check {

namespace {

constexpr const char* kUsage = R"(usage: weft-check COMMAND ...
  list                          the registered scenarios
  run NAME... [options]         explore scenarios; stops at the first failure of each
  replay NAME SCHEDULE [--trace F] [--html F]
                                run one schedule (a "weft1:..." string or @FILE)
  shrink NAME SCHEDULE          minimise a failing schedule
  check-all [NAME...] [--skip PATTERN]... [options]
                                run every scenario (or the NAMEd ones): must-fail ones
                                must fail, the others must pass (the CI entry point);
                                --skip leaves out the scenarios whose names match a
                                shell pattern
options:
  --strategy portfolio|random|pos|pct|pct1|pct2|pct3|dfs   (default portfolio)
  --iterations N       runs per scenario (default 1000)
  --seed S             (default 1)
  --max-preemptions K  DFS preemption bound (default 2)
  --max-steps N        steps per run before "possible livelock" (default 20000)
  --workers N          simulated workers: 1 = cooperative, 2+ = parallel (default 2)
  --threads N          kernel threads exploring in parallel (random, pos, pct; default 1)
  --spurious-wakeups   let condition-variable waits wake spuriously
  --no-shrink          report the failing schedule as found
  --trace FILE         write the failing run as Chrome trace JSON (Perfetto)
  --html FILE          write the failing run as a self-contained HTML timeline
  --schedule-out FILE  write the failing (shrunk) schedule to FILE
numbers are decimal whole numbers: --iterations 1..1000000000, --seed 0..2^64-1,
  --max-preemptions 0..1000, --max-steps 1..1000000000, --workers 1..64,
  --threads 0..1024 (0: one per core); output files are checked before exploring
exit status: 0 no failure found, 1 failure found, 2 usage error, an invalid or
  diverging schedule (replay, shrink), or an output file that could not be written
)";

struct UsageFailure {
  std::string message;
};

struct Cli {
  Options options;
  int max_preemptions = 2;
  std::string strategy = "portfolio";
  std::string trace_file, html_file, schedule_file;
  std::vector<std::string> positional;
  std::vector<std::string> skip;  // check-all: name patterns left out
};

std::uint64_t number(const std::string& flag, const std::string& text, detail::Bounds bounds) {
  std::string error;
  if (auto value = detail::bounded_number(flag, text, bounds, error)) return *value;
  throw UsageFailure{error};
}

// An output file must be writable before a long exploration starts: its folder exists
// and may be written to.
std::string output_file(const std::string& flag, const std::string& path) {
  if (path.empty()) throw UsageFailure{flag + " needs a file name"};
  const auto slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (::access(folder.c_str(), W_OK) != 0)
    throw UsageFailure{flag + " " + path + ": cannot write in '" + folder + "': " + std::strerror(errno)};
  return path;
}

Cli parse(int argc, char** argv, int first) {
  Cli cli;
  cli.options.from_env = false;
  cli.options.print_failure = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageFailure{arg + " needs a value"};
      return argv[++i];
    };
    if (arg == "--strategy") cli.strategy = value();
    else if (arg == "--iterations") cli.options.iterations = number(arg, value(), detail::kIterationBounds);
    else if (arg == "--seed") cli.options.seed = number(arg, value(), detail::kSeedBounds);
    else if (arg == "--max-preemptions")
      cli.max_preemptions = static_cast<int>(number(arg, value(), detail::kPreemptionBounds));
    else if (arg == "--max-steps") cli.options.max_steps = number(arg, value(), detail::kMaxStepBounds);
    else if (arg == "--workers")
      cli.options.workers = static_cast<unsigned>(number(arg, value(), detail::kWorkerBounds));
    else if (arg == "--threads")
      cli.options.threads = static_cast<unsigned>(number(arg, value(), detail::kThreadBounds));
    else if (arg == "--spurious-wakeups") cli.options.spurious_wakeups = true;
    else if (arg == "--no-shrink") cli.options.shrink = false;
    else if (arg == "--skip") cli.skip.push_back(value());
    else if (arg == "--trace") cli.trace_file = output_file(arg, value());
    else if (arg == "--html") cli.html_file = output_file(arg, value());
    else if (arg == "--schedule-out") cli.schedule_file = output_file(arg, value());
    else if (arg.rfind("--", 0) == 0) throw UsageFailure{"unknown option " + arg};
    else cli.positional.push_back(arg);
  }
  const std::string& s = cli.strategy;
  if (s == "portfolio") cli.options.strategy = Portfolio{};
  else if (s == "random") cli.options.strategy = Random{};
  else if (s == "pos") cli.options.strategy = Pos{};
  else if (s == "pct" || s == "pct3") cli.options.strategy = Pct{3};
  else if (s == "pct1") cli.options.strategy = Pct{1};
  else if (s == "pct2") cli.options.strategy = Pct{2};
  else if (s == "dfs") cli.options.strategy = Dfs{cli.max_preemptions, cli.options.iterations};
  else throw UsageFailure{"unknown strategy '" + s + "'"};
  return cli;
}

const Scenario& scenario_named(const std::string& name) {
  if (const Scenario* s = find_scenario(name)) return *s;
  throw UsageFailure{"no scenario named '" + name + "' (see 'weft-check list')"};
}

std::string schedule_argument(const std::string& text) {
  if (text.empty() || text[0] != '@') return text;
  std::string error;
  auto schedule = read_schedule_file(text.substr(1), &error);
  if (!schedule) throw UsageFailure{error};
  return schedule->to_string();
}

// Writes `what` to `path` with `write`; says so only when every byte reached the file.
template <class Write>
bool write_file(const std::string& path, const char* what, Write write) {
  std::ofstream out(path);
  if (out) write(out);
  out.close();
  if (!out) {
    std::fprintf(stderr, "weft-check: could not write the %s to %s: %s\n", what, path.c_str(),
                 std::strerror(errno));
    return false;
  }
  std::cout << "  " << what << " written to " << path << '\n';
  return true;
}

// The failing run's files. False when one of them could not be written.
bool write_outputs(const Cli& cli, const Report& report) {
  if (report.ok()) return true;
  bool ok = true;
  if (!cli.trace_file.empty())
    ok &= write_file(cli.trace_file, "trace", [&](std::ostream& out) { report.write_chrome_trace(out); });
  if (!cli.html_file.empty())
    ok &= write_file(cli.html_file, "timeline", [&](std::ostream& out) { report.write_html(out); });
  if (!cli.schedule_file.empty()) {
    auto schedule = Schedule::parse(report.shrunk_schedule.empty() ? report.schedule : report.shrunk_schedule);
    if (!schedule || !write_schedule_file(cli.schedule_file, *schedule)) {
      std::fprintf(stderr, "weft-check: could not write the schedule to %s\n", cli.schedule_file.c_str());
      ok = false;
    }
  }
  return ok;
}

int cmd_list() {
  for (const Scenario& s : scenarios())
    std::printf("%-32s %-10s %s\n", s.name.c_str(), s.must_fail ? "must-fail" : "must-pass",
                s.description.c_str());
  return 0;
}

int cmd_run(const Cli& cli) {
  if (cli.positional.empty()) throw UsageFailure{"run needs at least one scenario name"};
  int status = 0;
  for (const std::string& name : cli.positional) {
    const Scenario& s = scenario_named(name);
    Options options = cli.options;
    options.name = s.name;
    Report report = explore(options, s.body);
    std::cout << report.to_string();
    if (report.ok()) std::printf("  (%.2f s)\n", report.seconds);
    if (!write_outputs(cli, report)) return 2;
    if (!report.ok()) status = 1;
  }
  return status;
}

int cmd_replay(const Cli& cli) {
  if (cli.positional.size() != 2) throw UsageFailure{"replay needs NAME and SCHEDULE"};
  const Scenario& s = scenario_named(cli.positional[0]);
  Options options = cli.options;
  options.name = s.name;
  Report report = replay(schedule_argument(cli.positional[1]), s.body, options);
  std::cout << report.to_string();
  if (report.kind == FailureKind::Diverged) return 2;  // the schedule, not the code, is wrong
  if (!write_outputs(cli, report)) return 2;
  return report.ok() ? 0 : 1;
}

int cmd_shrink(const Cli& cli) {
  if (cli.positional.size() != 2) throw UsageFailure{"shrink needs NAME and SCHEDULE"};
  const Scenario& s = scenario_named(cli.positional[0]);
  Options options = cli.options;
  options.name = s.name;
  Report replayed = replay(schedule_argument(cli.positional[1]), s.body, options);
  if (replayed.ok() || replayed.kind == FailureKind::Diverged) {
    std::cout << "weft-check: that schedule does not fail scenario '" << s.name << "'"
              << (replayed.ok() ? "" : ": " + replayed.message) << '\n';
    return replayed.ok() ? 0 : 2;
  }
  Report shrunk = shrink_schedule(schedule_argument(cli.positional[1]), s.body, options);
  std::cout << shrunk.to_string();
  return write_outputs(cli, shrunk) ? 1 : 2;
}

bool skipped(const Cli& cli, const Scenario& s) {
  return std::any_of(cli.skip.begin(), cli.skip.end(),
                     [&](const std::string& pattern) { return ::fnmatch(pattern.c_str(), s.name.c_str(), 0) == 0; });
}

int cmd_check_all(const Cli& cli) {
  std::vector<const Scenario*> named;
  for (const std::string& name : cli.positional) named.push_back(&scenario_named(name));
  if (named.empty())
    for (const Scenario& s : scenarios()) named.push_back(&s);
  // A pattern that leaves nothing out is a typo, not a wish.
  for (const std::string& pattern : cli.skip)
    if (std::none_of(named.begin(), named.end(),
                     [&](const Scenario* s) { return ::fnmatch(pattern.c_str(), s->name.c_str(), 0) == 0; }))
      throw UsageFailure{"--skip '" + pattern + "' matches no scenario (see 'weft-check list')"};
  int unexpected = 0;
  std::size_t checked = 0;
  for (const Scenario* scenario : named) {
    const Scenario& s = *scenario;
    if (skipped(cli, s)) continue;
    ++checked;
    Options options = cli.options;
    options.name = s.name;
    Report report = explore(options, s.body);
    bool as_expected = report.ok() != s.must_fail;
    std::printf("%-5s %-32s %-10s %s (%zu runs%s, %.2f s)\n", as_expected ? "ok" : "WRONG",
                s.name.c_str(), s.must_fail ? "must-fail" : "must-pass",
                report.ok() ? "passed" : to_string(report.kind), report.runs,
                report.exhaustive ? ", exhaustive" : "", report.seconds);
    if (!as_expected) {
      ++unexpected;
      std::cout << report.to_string();
    }
  }
  std::printf("%zu scenarios, %d not as expected\n", checked, unexpected);
  return unexpected ? 1 : 0;
}

}  // namespace

int check_main(int argc, char** argv) {
  try {
    if (argc < 2) throw UsageFailure{"missing command"};
    std::string command = argv[1];
    if (command == "-h" || command == "--help" || command == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    Cli cli = parse(argc, argv, 2);
    if (command == "list") return cmd_list();
    if (command == "run") return cmd_run(cli);
    if (command == "replay") return cmd_replay(cli);
    if (command == "shrink") return cmd_shrink(cli);
    if (command == "check-all") return cmd_check_all(cli);
    throw UsageFailure{"unknown command '" + command + "'"};
  } catch (const UsageFailure& e) {
    std::fprintf(stderr, "weft-check: %s\n%s", e.message.c_str(), kUsage);
    return 2;
  } catch (const sched::UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}

}  // namespace weft::check
