// The exploration loop: one strategy, many runs, stop at the first failure, shrink it.
#include "weft/check/explore.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "controller.hpp"
#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::check {

namespace {

using detail::RunResult;

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::uint64_t env_number(const char* name, const std::string& text) {
  try {
    std::size_t used = 0;
    unsigned long long v = std::stoull(text, &used, 0);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    throw UsageError(std::string("weft::check: ") + name + "='" + text + "' is not a number");
  }
}

StrategySpec parse_strategy(const std::string& text) {
  if (text == "portfolio") return Portfolio{};
  if (text == "random") return Random{};
  if (text == "pct" || text == "pct3") return Pct{3};
  if (text == "pct1") return Pct{1};
  if (text == "pct2") return Pct{2};
  if (text == "dfs") return Dfs{};
  throw UsageError("weft::check: unknown strategy '" + text +
                   "' (portfolio, random, pct, pct1, pct2, pct3, dfs)");
}

void apply_environment(Options& options) {
  if (!options.from_env) return;
  if (auto v = env("WEFT_CHECK_ITERATIONS")) options.iterations = env_number("WEFT_CHECK_ITERATIONS", *v);
  if (auto v = env("WEFT_CHECK_SEED")) options.seed = env_number("WEFT_CHECK_SEED", *v);
  if (auto v = env("WEFT_CHECK_MAX_STEPS")) options.max_steps = env_number("WEFT_CHECK_MAX_STEPS", *v);
  if (auto v = env("WEFT_CHECK_STRATEGY")) options.strategy = parse_strategy(*v);
  if (auto v = env("WEFT_REPLAY")) options.strategy = Replay{*v};
}

std::unique_ptr<Strategy> make_strategy(const Options& options) {
  struct Maker {
    const Options& o;
    std::unique_ptr<Strategy> operator()(const Portfolio&) const { return make_portfolio_strategy(o.seed); }
    std::unique_ptr<Strategy> operator()(const Random&) const { return make_random_strategy(o.seed); }
    std::unique_ptr<Strategy> operator()(const Pct& p) const { return make_pct_strategy(o.seed, p.depth); }
    std::unique_ptr<Strategy> operator()(const Dfs& d) const {
      return make_dfs_strategy(d.max_preemptions, d.max_schedules);
    }
    std::unique_ptr<Strategy> operator()(const Replay& r) const {
      std::string error;
      auto schedule = Schedule::parse(r.schedule, &error);
      if (!schedule) throw UsageError("weft::check: bad schedule: " + error);
      return make_replay_strategy(std::move(*schedule));
    }
  };
  return std::visit(Maker{options}, options.strategy);
}

// Runs one schedule prefix and lets default choices finish the run.
RunResult run_prefix(const Schedule& prefix, const Options& options,
                     const std::function<void()>& scenario) {
  auto strategy = make_replay_strategy(prefix, /*then_default=*/true);
  strategy->begin_run(0);
  RunResult result = detail::run_once(*strategy, options, scenario);
  strategy->end_run(result.schedule);
  return result;
}

// A failing run is simpler with fewer preemptions, then with fewer decisions.
bool simpler(const RunResult& candidate, const RunResult& best) {
  if (candidate.kind != best.kind) return false;
  std::size_t a = candidate.preemptions(), b = best.preemptions();
  return a < b || (a == b && candidate.schedule.decisions.size() < best.schedule.decisions.size());
}

// Looks for a schedule that fails the same way with fewer preemptions, then a shorter one.
RunResult shrink(RunResult failing, const Options& options, const std::function<void()>& scenario) {
  const Options& quiet = options;
  std::size_t budget = 300;  // replays at most
  bool improved = true;
  while (improved && budget > 0) {
    improved = false;
    // 1. Drop a preemption: keep the running fiber at one decision, defaults after it.
    for (std::size_t i = 0; i < failing.schedule.decisions.size() && budget > 0; ++i) {
      const Decision& d = failing.schedule.decisions[i];
      int running = failing.running_at[i];
      if (d.kind != DecisionKind::Schedule || running < 0 || d.choice == static_cast<std::uint32_t>(running))
        continue;
      Schedule attempt;
      attempt.decisions.assign(failing.schedule.decisions.begin(),
                               failing.schedule.decisions.begin() + static_cast<std::ptrdiff_t>(i));
      attempt.decisions.push_back(Decision{DecisionKind::Schedule, static_cast<std::uint32_t>(running)});
      // Keep the rest too: later choices often still make sense.
      attempt.decisions.insert(attempt.decisions.end(),
                               failing.schedule.decisions.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                               failing.schedule.decisions.end());
      --budget;
      RunResult r = run_prefix(attempt, quiet, scenario);
      if (simpler(r, failing)) {
        failing = std::move(r);
        improved = true;
        break;
      }
    }
    // 2. Cut the tail: the shortest prefix that still fails when defaults finish it.
    for (std::size_t len = 0; len < failing.schedule.decisions.size() && budget > 0; ++len) {
      Schedule attempt;
      attempt.decisions.assign(failing.schedule.decisions.begin(),
                               failing.schedule.decisions.begin() + static_cast<std::ptrdiff_t>(len));
      --budget;
      RunResult r = run_prefix(attempt, quiet, scenario);
      if (simpler(r, failing)) {
        failing = std::move(r);
        improved = true;
        break;
      }
    }
  }
  return failing;
}

void fill_failure(Report& report, const RunResult& run) {
  report.kind = run.kind;
  report.message = run.message;
  report.schedule = run.schedule.to_string();
  report.preemptions = run.preemptions();
  report.trace = run.trace;
}

}  // namespace

Report explore(Options options, std::function<void()> scenario) {
  if (sched::current_fiber() != nullptr)
    throw UsageError("weft::check::explore: call it from a plain thread, not from a fiber");
  apply_environment(options);
  if (auto* r = std::get_if<Replay>(&options.strategy)) return replay(r->schedule, scenario, options);

  auto start = std::chrono::steady_clock::now();
  auto last_progress = start;
  auto strategy = make_strategy(options);
  Report report;
  report.scenario = options.name;
  report.seed = options.seed;
  report.strategy = strategy->name();
  for (std::size_t i = 0; i < options.iterations; ++i) {
    if (!strategy->begin_run(i)) break;
    report.strategy = strategy->name();
    RunResult run = detail::run_once(*strategy, options, scenario);
    strategy->end_run(run.schedule);
    ++report.runs;
    if (run.kind != FailureKind::None) {
      report.iteration = i;
      fill_failure(report, run);
      if (options.shrink) {
        RunResult small = shrink(run, options, scenario);
        report.shrunk_schedule = small.schedule.to_string();
        report.shrunk_preemptions = small.preemptions();
        report.trace = small.trace;
        if (small.kind == run.kind) report.message = small.message;
      }
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::seconds(5)) {
      double secs = std::chrono::duration<double>(now - start).count();
      std::fprintf(stderr, "weft-check: %s: %zu runs in %.1f s (%.0f runs/s), no failure yet\n",
                   options.name.c_str(), report.runs, secs, report.runs / secs);
      last_progress = now;
    }
  }
  report.exhaustive = report.ok() && strategy->exhausted();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok() && options.print_failure) std::cerr << report.to_string();
  return report;
}

Report replay(const std::string& schedule_text, std::function<void()> scenario, Options options) {
  std::string error;
  auto schedule = Schedule::parse(schedule_text, &error);
  if (!schedule) throw UsageError("weft::check::replay: bad schedule: " + error);
  auto start = std::chrono::steady_clock::now();
  auto strategy = make_replay_strategy(*schedule);
  strategy->begin_run(0);
  RunResult run = detail::run_once(*strategy, options, scenario);
  strategy->end_run(run.schedule);
  Report report;
  report.scenario = options.name;
  report.strategy = "replay";
  report.runs = 1;
  fill_failure(report, run);
  if (auto why = strategy->divergence(); !why.empty() && run.kind == FailureKind::None) {
    report.kind = FailureKind::Diverged;
    report.message = why;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Report shrink_schedule(const std::string& schedule_text, std::function<void()> scenario,
                       Options options) {
  std::string error;
  auto schedule = Schedule::parse(schedule_text, &error);
  if (!schedule) throw UsageError("weft::check::shrink_schedule: bad schedule: " + error);
  auto start = std::chrono::steady_clock::now();
  RunResult run = run_prefix(*schedule, options, scenario);
  Report report;
  report.scenario = options.name;
  report.strategy = "replay";
  report.runs = 1;
  fill_failure(report, run);
  if (!report.ok()) {
    RunResult small = shrink(run, options, scenario);
    report.shrunk_schedule = small.schedule.to_string();
    report.shrunk_preemptions = small.preemptions();
    report.trace = small.trace;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

bool deterministic(const std::string& schedule, const std::function<void()>& scenario, std::string* why) {
  Options options;
  options.print_failure = false;
  Report a = replay(schedule, scenario, options);
  Report b = replay(schedule, scenario, options);
  if (a.kind != b.kind || trace_hash(a.trace) != trace_hash(b.trace)) {
    if (why)
      *why = "two replays of the same schedule differ (" + std::string(to_string(a.kind)) + " vs " +
             to_string(b.kind) + ", " + std::to_string(a.trace.size()) + " vs " +
             std::to_string(b.trace.size()) + " steps): the scenario is not deterministic";
    return false;
  }
  return true;
}

}  // namespace weft::check
