// Exploration strategies: each decides every choice of a run. One file per strategy in
// sched/check/src. The engine numbers fibers by creation order within a run (0 is the
// scenario's main fiber) and always offers candidates sorted by that number, so a
// choice means the same thing in every run of a deterministic scenario.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "weft/check/schedule.hpp"

namespace weft::check {

// The next visible operation of a ready fiber, as far as the checker knows it (a fiber
// preempted at a schedule point is about to do that point's operation; a fiber that was
// just woken or started has not said yet).
struct PendingOp {
  sched::Op op = sched::Op::Custom;
  const void* object = nullptr;
  bool known = false;
};

// True when the two operations commute (different objects, two loads, or a yield):
// running them in either order leads to the same state.
bool independent(const PendingOp& a, const PendingOp& b) noexcept;

// One decision to make.
struct DecisionPoint {
  DecisionKind kind = DecisionKind::Schedule;
  std::size_t options = 1;     // >= 2 (single-option points are not decisions)
  // Schedule decisions: the candidates' fiber numbers, ascending, and the position of
  // the fiber that was running (-1 when it blocked or ended: no preemption possible).
  const std::size_t* fibers = nullptr;
  const PendingOp* pending = nullptr;  // per candidate, for partial-order reduction
  int running = -1;
  bool running_yielded = false;  // the running fiber called yield()
  std::size_t step = 0;          // decisions made so far in this run
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // Prepares run number `iteration` (0-based). Returns false when the strategy has
  // nothing left to explore (DFS exhausted, replay done).
  virtual bool begin_run(std::size_t iteration) = 0;
  // Picks one option of `point`, in [0, point.options).
  virtual std::size_t decide(const DecisionPoint& point) = 0;
  // False for strategies that never read DecisionPoint::pending (it is then null): the
  // controller saves gathering it at every decision. Asked after begin_run(), for the
  // whole run.
  virtual bool uses_pending() const { return true; }
  // The run ended; `decisions` is what it chose.
  virtual void end_run(const Schedule& decisions) { (void)decisions; }
  // True when every schedule (within the strategy's bounds) has been explored.
  virtual bool exhausted() const { return false; }
  // Why the strategy stopped following its plan, if it did (replay divergence).
  virtual std::string divergence() const { return {}; }
};

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed);
std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, int depth);
// Partial-order sampling (POS): random priorities per pending event, redrawn for the
// events that race with the one that ran.
std::unique_ptr<Strategy> make_pos_strategy(std::uint64_t seed);
std::unique_ptr<Strategy> make_dfs_strategy(int max_preemptions, std::size_t max_schedules);
// Replays `schedule`. With `then_default`, decisions past its end take the
// non-preemptive default (used by shrinking) instead of reporting a divergence.
std::unique_ptr<Strategy> make_replay_strategy(Schedule schedule, bool then_default = false);
// Takes turns between PCT (depth 3), random, POS, PCT (depth 2) and DFS runs; once a run
// has been long (a few hundred decisions), every other run is POS's. name() says which
// member made the current run ("portfolio/pos").
std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed);

// The choice a run makes when nobody interferes: keep the running fiber, else the
// lowest-numbered candidate; 0 for other decisions.
std::size_t default_choice(const DecisionPoint& point) noexcept;

}  // namespace weft::check
