// The interleaving checker: runs a scenario many times on one kernel thread, every
// scheduling choice made by a strategy, and reports the first run that deadlocks, fails
// an assertion, throws, races on tracked memory, inverts a lock order, or never ends.
//
//   auto report = weft::check::explore({.strategy = weft::check::Pct{.depth = 3},
//                                       .iterations = 2000, .seed = 7}, [] { ... });
//   REQUIRE(report.ok());   // on failure the report was printed to stderr
//
// Knobs can be overridden from the environment (unless from_env is false):
// WEFT_CHECK_ITERATIONS, WEFT_CHECK_SEED, WEFT_CHECK_STRATEGY (portfolio, random, pos,
// pct, pct1, pct2, pct3, dfs), WEFT_CHECK_MAX_STEPS, WEFT_CHECK_THREADS,
// WEFT_CHECK_WORKERS, and WEFT_REPLAY=<schedule> (replay that
// one schedule instead of exploring).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

#include "weft/check/schedule.hpp"

namespace weft::check {

struct Portfolio {};
struct Random {};
// Partial-order sampling: random priorities per pending operation, redrawn for the
// operations that race with the one that ran (finds a fiber that must run far ahead).
struct Pos {};
struct Pct {
  int depth = 3;
};
struct Dfs {
  int max_preemptions = 2;
  std::size_t max_schedules = 100000;
};
struct Replay {
  std::string schedule;
};
using StrategySpec = std::variant<Portfolio, Random, Pos, Pct, Dfs, Replay>;

struct Options {
  StrategySpec strategy = Portfolio{};
  std::size_t iterations = 1000;      // runs at most (DFS may finish earlier)
  std::uint64_t seed = 1;
  std::size_t max_steps = 20000;      // schedule points per run before "possible livelock"
  bool shrink = true;                 // minimise a failing schedule
  bool lock_order = true;             // report lock-order inversions across runs
  bool races = true;                  // vector-clock race detection on tracked memory
  bool spurious_wakeups = false;      // let the strategy wake condition variables spuriously
  // The runtime being modelled. With 1 worker fibers only switch where the production
  // scheduler switches (when they block or yield); with 2 or more, fibers run in
  // parallel, so any schedule point may interleave with any other fiber (and data races
  // are reported; on one worker all fibers share one kernel thread and cannot race).
  unsigned workers = 2;
  // Fair mode: a yield always lets another ready fiber run, so spin-then-yield loops
  // cannot starve the fiber they wait for and do not blow up the search.
  bool fair = true;
  bool print_failure = true;          // write the report of a failure to stderr
  bool from_env = true;               // apply the WEFT_CHECK_* environment variables
  // Kernel threads exploring independent runs in parallel (random, PCT, portfolio
  // without its DFS member). The result is the same as with one thread: the failure of
  // the lowest-numbered failing run is reported. 0 = one per core.
  unsigned threads = 1;
  std::string name = "scenario";      // shown in reports
};

enum class FailureKind : std::uint8_t {
  None,
  Deadlock,            // every fiber blocked, no timer pending
  Assertion,           // WEFT_ASSERT failed
  Exception,           // an exception escaped the scenario or a fiber nobody joined
  DataRace,            // unordered accesses to check::Shared / check::Atomic memory
  LockOrderInversion,  // two locks taken in both orders (a potential deadlock)
  StepBound,           // the run exceeded max_steps (possible livelock)
  Diverged,            // a replay did not follow its schedule
};

const char* to_string(FailureKind kind) noexcept;

// One visible operation of the failing run.
struct TraceEvent {
  std::size_t step = 0;
  std::size_t fiber = 0;        // the fiber's number in the run (0 = main)
  std::string fiber_name;
  sched::Op op = sched::Op::Custom;
  std::string object;           // "0x..." or a description
  std::string location;         // file:line of the operation
  std::string note;             // e.g. "blocked", "woke", "failed here"
};

struct Report {
  FailureKind kind = FailureKind::None;
  std::string message;          // what went wrong, with fibers, objects and sites
  std::string scenario;
  std::string strategy;
  std::uint64_t seed = 0;
  std::size_t iteration = 0;    // the failing run (0-based)
  std::size_t runs = 0;         // runs executed
  bool exhaustive = false;      // the strategy explored every schedule within its bounds
  std::string schedule;         // of the failing run
  std::size_t preemptions = 0;
  std::string shrunk_schedule;  // a smaller schedule that fails the same way
  std::size_t shrunk_preemptions = 0;
  std::vector<TraceEvent> trace;  // of the (shrunk) failing run
  double seconds = 0;

  bool ok() const noexcept { return kind == FailureKind::None; }
  // The full human-readable report (summary, schedules, replay hint, trace).
  std::string to_string() const;
  // Chrome trace-event JSON of the failing run (Perfetto, chrome://tracing).
  void write_chrome_trace(std::ostream& out) const;
  // A self-contained HTML timeline: one lane per fiber, the failing step marked.
  void write_html(std::ostream& out) const;
};

std::ostream& operator<<(std::ostream& out, const Report& report);

// Explores `scenario` (see the top of this file). Call from a thread that is not running
// a weft runtime. Progress lines go to stderr every few seconds on long explorations.
Report explore(Options options, std::function<void()> scenario);

// Runs `scenario` once along `schedule` (a Schedule string) and reports how it ended;
// kind == Diverged when the scenario did not follow the schedule. Throws
// sched::UsageError for a malformed schedule ("invalid schedule: ...") and for Options
// outside the ranges explore() accepts.
Report replay(const std::string& schedule, std::function<void()> scenario, Options options = {});

// Replays a failing `schedule` and minimises it (fewer preemptions, then fewer decisions).
// The report carries both schedules; ok() when the schedule does not fail. Throws as
// replay() does.
Report shrink_schedule(const std::string& schedule, std::function<void()> scenario, Options options = {});

// Replays `schedule` twice and compares the traces; false (with `why`) when they differ.
bool deterministic(const std::string& schedule, const std::function<void()>& scenario,
                   std::string* why = nullptr);

// A hash of a trace (fibers, operations and sites; not addresses).
std::uint64_t trace_hash(const std::vector<TraceEvent>& trace);

}  // namespace weft::check
