// The exploration loop: one strategy, many runs, stop at the first failure, shrink it.
#include "weft/check/explore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "bounded_number.hpp"
#include "controller.hpp"
#include "runner.hpp"
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


StrategySpec parse_strategy(const std::string& text) {
  if (text == "portfolio") return Portfolio{};
  if (text == "random") return Random{};
  if (text == "pos") return Pos{};
  if (text == "pct" || text == "pct3") return Pct{3};
  if (text == "pct1") return Pct{1};
  if (text == "pct2") return Pct{2};
  if (text == "dfs") return Dfs{};
  throw sched::UsageError("weft::check: unknown strategy '" + text +
                   "' (portfolio, random, pos, pct, pct1, pct2, pct3, dfs)");
}

void apply_environment(Options& options) {
  if (!options.from_env) return;
  // A set variable must hold a number within its knob's range.
  const auto number = [](const char* name, detail::Bounds bounds) -> std::optional<std::uint64_t> {
    auto text = env(name);
    if (!text) return std::nullopt;
    std::string error;
    if (auto value = detail::bounded_number(name, *text, bounds, error)) return value;
    throw sched::UsageError("weft::check: " + error);
  };
  if (auto v = number("WEFT_CHECK_ITERATIONS", detail::kIterationBounds)) options.iterations = *v;
  if (auto v = number("WEFT_CHECK_SEED", detail::kSeedBounds)) options.seed = *v;
  if (auto v = number("WEFT_CHECK_MAX_STEPS", detail::kMaxStepBounds)) options.max_steps = *v;
  if (auto v = env("WEFT_CHECK_STRATEGY")) options.strategy = parse_strategy(*v);
  if (auto v = number("WEFT_CHECK_WORKERS", detail::kWorkerBounds)) options.workers = static_cast<unsigned>(*v);
  if (auto v = number("WEFT_CHECK_THREADS", detail::kThreadBounds)) options.threads = static_cast<unsigned>(*v);
  if (auto v = env("WEFT_REPLAY")) {
    // A schedule belongs to one scenario: with WEFT_REPLAY_SCENARIO set, the other
    // explore() calls of the program explore as usual instead of replaying it.
    auto only = env("WEFT_REPLAY_SCENARIO");
    if (!only || *only == options.name) options.strategy = Replay{*v};
    if (!only) {
      static std::once_flag noted;
      std::call_once(noted, [] {
        std::cerr << "weft::check: WEFT_REPLAY replays into every explore() of this program; "
                     "set WEFT_REPLAY_SCENARIO=NAME to replay only the scenario it came from\n";
      });
    }
  }
}

std::unique_ptr<Strategy> make_strategy(const Options& options) {
  struct Maker {
    const Options& o;
    std::unique_ptr<Strategy> operator()(const Portfolio&) const { return make_portfolio_strategy(o.seed); }
    std::unique_ptr<Strategy> operator()(const Random&) const { return make_random_strategy(o.seed); }
    std::unique_ptr<Strategy> operator()(const Pos&) const { return make_pos_strategy(o.seed); }
    std::unique_ptr<Strategy> operator()(const Pct& p) const { return make_pct_strategy(o.seed, p.depth); }
    std::unique_ptr<Strategy> operator()(const Dfs& d) const {
      return make_dfs_strategy(d.max_preemptions, d.max_schedules);
    }
    std::unique_ptr<Strategy> operator()(const Replay& r) const {
      std::string error;
      auto schedule = Schedule::parse(r.schedule, &error);
      if (!schedule) throw sched::UsageError("weft::check: bad schedule: " + error);
      return make_replay_strategy(std::move(*schedule));
    }
  };
  return std::visit(Maker{options}, options.strategy);
}

// Runs one schedule prefix and lets default choices finish the run (valid until the
// runner's next run).
const RunResult& run_prefix(detail::Runner& runner, const Schedule& prefix,
                            const std::function<void()>& scenario) {
  auto strategy = make_replay_strategy(prefix, /*then_default=*/true);
  strategy->begin_run(0);
  const RunResult& result = runner.run(*strategy, scenario);
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
RunResult shrink(RunResult failing, detail::Runner& runner, const std::function<void()>& scenario) {
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
      const RunResult& r = run_prefix(runner, attempt, scenario);
      if (simpler(r, failing)) {
        failing = r;
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
      const RunResult& r = run_prefix(runner, attempt, scenario);
      if (simpler(r, failing)) {
        failing = r;
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

// Runs the reported schedule once more to render what exploring runs do not record: the
// user's code behind sites weft recorded as its own, and the names of named objects.
// Kept only when the re-run fails the same way (the scenario may not be deterministic).
void explain(Report& report, const std::string& schedule_text, const Options& options,
             const std::function<void()>& scenario) {
  auto schedule = Schedule::parse(schedule_text);
  if (!schedule) return;
  auto strategy = make_replay_strategy(std::move(*schedule));
  strategy->begin_run(0);
  detail::Runner runner(options);
  const RunResult& run = runner.run(*strategy, scenario, /*explain=*/true);
  strategy->end_run(run.schedule);
  if (!strategy->divergence().empty() || run.kind != report.kind) return;
  report.message = run.message;
  report.trace = run.trace;
}

// The runs of one kernel thread: iterations first, first + stride, ... Stops when a
// lower-numbered run has already failed (`best` holds the lowest failing iteration).
// Cache-line aligned: the threads write only their own slice while they explore.
struct alignas(64) Slice {
  std::atomic<std::size_t> runs{0};  // read by the progress line
  Report report;
  std::optional<RunResult> failure;
  std::optional<RunResult> inversion;  // the first run with only a lock-order inversion
  std::size_t inversion_iteration = 0;
};

void explore_slice(const Options& options, const std::function<void()>& scenario, std::size_t first,
                   std::size_t stride, std::atomic<std::size_t>& best, Slice& out) {
  auto strategy = make_strategy(options);
  detail::Runner runner(options);
  out.report.strategy = strategy->name();
  for (std::size_t i = first; i < options.iterations && i < best.load(std::memory_order_relaxed);
       i += stride) {
    if (!strategy->begin_run(i)) break;
    out.report.strategy = strategy->name();
    const RunResult& run = runner.run(*strategy, scenario);
    strategy->end_run(run.schedule);
    ++out.report.runs;
    out.runs.store(out.report.runs, std::memory_order_relaxed);
    if (run.kind == FailureKind::LockOrderInversion) {
      // A potential deadlock: keep exploring for a real failure, report it at the end.
      if (!out.inversion) {
        out.inversion = run;
        out.inversion_iteration = i;
      }
      continue;
    }
    if (run.kind != FailureKind::None) {
      out.report.iteration = i;
      out.failure = run;
      std::size_t seen = best.load();
      while (i < seen && !best.compare_exchange_weak(seen, i)) {
      }
      return;
    }
  }
  out.report.exhaustive = strategy->exhausted();
}

bool parallel_ok(const StrategySpec& spec) {
  return std::holds_alternative<Random>(spec) || std::holds_alternative<Pos>(spec) ||
         std::holds_alternative<Pct>(spec);
}

// Options a caller set by hand get the same ranges as flags and environment variables.
void require_in_range(const char* caller, const char* field, std::uint64_t value, detail::Bounds bounds) {
  if (value < bounds.min || value > bounds.max)
    throw sched::UsageError(std::string("weft::check::") + caller + ": Options::" + field + " = " +
                            std::to_string(value) + " is outside " + std::to_string(bounds.min) +
                            ".." + std::to_string(bounds.max));
}

void validate(const Options& options, const char* caller) {
  require_in_range(caller, "iterations", options.iterations, detail::kIterationBounds);
  require_in_range(caller, "max_steps", options.max_steps, detail::kMaxStepBounds);
  require_in_range(caller, "workers", options.workers, detail::kWorkerBounds);
  require_in_range(caller, "threads", options.threads, detail::kThreadBounds);
}

// True when `made` is `planned` cut short: the run followed the schedule and ended first.
bool strict_prefix(const Schedule& made, const Schedule& planned) {
  return made.decisions.size() < planned.decisions.size() &&
         std::equal(made.decisions.begin(), made.decisions.end(), planned.decisions.begin());
}

}  // namespace

Report explore(Options options, std::function<void()> scenario) {
  if (sched::current_fiber() != nullptr)
    throw sched::UsageError("weft::check::explore: call it from a plain thread, not from a fiber");
  apply_environment(options);
  validate(options, "explore");
  if (auto* r = std::get_if<Replay>(&options.strategy)) {  // WEFT_REPLAY or Replay{...}
    Report report = replay(r->schedule, scenario, options);
    if (!report.ok() && options.print_failure) std::cerr << report.to_string();  // as a found one
    return report;
  }

  auto start = std::chrono::steady_clock::now();
  unsigned threads = options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  if (!parallel_ok(options.strategy)) threads = 1;

  std::atomic<std::size_t> best{~std::size_t{0}};
  std::vector<Slice> workers(threads);
  const auto total_runs = [&workers] {
    std::size_t runs = 0;
    for (const Slice& w : workers) runs += w.runs.load(std::memory_order_relaxed);
    return runs;
  };
  std::mutex progress_mutex;
  std::condition_variable progress_cv;
  bool finished = false;
  std::thread progress([&] {
    // A line every few seconds on long explorations.
    std::unique_lock lock(progress_mutex);
    while (!progress_cv.wait_for(lock, std::chrono::seconds(5), [&] { return finished; })) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::size_t runs = total_runs();
      std::fprintf(stderr, "weft-check: %s: %zu of %zu runs in %.1f s (%.0f runs/s)\n",
                   options.name.c_str(), runs, options.iterations, secs, runs / secs);
    }
  });
  if (threads == 1) {
    explore_slice(options, scenario, 0, 1, best, workers[0]);
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { explore_slice(options, scenario, t, threads, best, workers[t]); });
    for (auto& th : pool) th.join();
  }
  {
    std::lock_guard lock(progress_mutex);
    finished = true;
  }
  progress_cv.notify_one();
  progress.join();

  Report report;
  report.scenario = options.name;
  report.seed = options.seed;
  report.strategy = workers[0].report.strategy;
  report.runs = total_runs();
  report.exhaustive = true;
  const RunResult* failure = nullptr;
  for (const Slice& w : workers) {
    report.exhaustive = report.exhaustive && w.report.exhaustive;
    if (w.failure && (!failure || w.report.iteration < report.iteration)) {
      failure = &*w.failure;
      report.iteration = w.report.iteration;
      report.strategy = w.report.strategy;
    }
  }
  if (!failure) {  // no real failure: report a lock-order inversion, if one was seen
    for (const Slice& w : workers) {
      if (w.inversion && (!failure || w.inversion_iteration < report.iteration)) {
        failure = &*w.inversion;
        report.iteration = w.inversion_iteration;
        report.strategy = w.report.strategy;
      }
    }
  }
  if (failure) {
    report.exhaustive = false;
    fill_failure(report, *failure);
    if (options.shrink) {
      detail::Runner runner(options);
      RunResult small = shrink(*failure, runner, scenario);
      report.shrunk_schedule = small.schedule.to_string();
      report.shrunk_preemptions = small.preemptions();
      report.trace = small.trace;
      if (small.kind == failure->kind) report.message = small.message;
    }
    explain(report, report.shrunk_schedule.empty() ? report.schedule : report.shrunk_schedule, options,
            scenario);
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok() && options.print_failure) std::cerr << report.to_string();
  return report;
}

Report replay(const std::string& schedule_text, std::function<void()> scenario, Options options) {
  validate(options, "replay");
  std::string error;
  auto schedule = Schedule::parse(schedule_text, &error);
  if (!schedule) throw sched::UsageError("weft::check::replay: invalid schedule: " + error);
  auto start = std::chrono::steady_clock::now();
  auto strategy = make_replay_strategy(*schedule);
  strategy->begin_run(0);
  detail::Runner runner(options);
  const RunResult& run = runner.run(*strategy, scenario, /*explain=*/true);
  strategy->end_run(run.schedule);
  Report report;
  report.scenario = options.name;
  report.strategy = "replay";
  report.runs = 1;
  fill_failure(report, run);
  // A schedule that does not fit is never silently replaced: after the divergence the
  // run went on with default choices, and whatever it then did is not this schedule's.
  if (auto why = strategy->divergence(); !why.empty()) {
    if (run.kind != FailureKind::None && strict_prefix(run.schedule, *schedule))
      why += std::string(" (the run failed there: ") + to_string(run.kind) + ")";
    else if (run.kind != FailureKind::None)
      why += std::string(" (the run went on with default choices and then failed: ") + to_string(run.kind) + ")";
    report.kind = FailureKind::Diverged;
    report.message = why;
    report.schedule = schedule->to_string();
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Report shrink_schedule(const std::string& schedule_text, std::function<void()> scenario,
                       Options options) {
  validate(options, "shrink_schedule");
  std::string error;
  auto schedule = Schedule::parse(schedule_text, &error);
  if (!schedule) throw sched::UsageError("weft::check::shrink_schedule: invalid schedule: " + error);
  auto start = std::chrono::steady_clock::now();
  detail::Runner runner(options);
  RunResult run = run_prefix(runner, *schedule, scenario);
  Report report;
  report.scenario = options.name;
  report.strategy = "replay";
  report.runs = 1;
  fill_failure(report, run);
  if (!report.ok()) {
    RunResult small = shrink(run, runner, scenario);
    report.shrunk_schedule = small.schedule.to_string();
    report.shrunk_preemptions = small.preemptions();
    report.trace = small.trace;
    explain(report, report.shrunk_schedule, options, scenario);
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
