// Runs a scenario under a strategy, run after run, on the calling kernel thread. One
// runner keeps one controller, virtual clock and kernel scheduler (with its worker, its
// stack pool and its checked reactor) for all its runs: building and tearing them down for each
// run used to cost a third of a small scenario's run in malloc, free and system calls.
// A run on a runner starts from the same state as on a fresh one.
#pragma once

#include <functional>

#include "checked_reactor.hpp"
#include "controller.hpp"
#include "weft/check/explore.hpp"
#include "weft/check/strategy.hpp"
#include "weft/sched/clock.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft::check::detail {

class Runner {
 public:
  // `options` must outlive the runner.
  explicit Runner(const Options& options);
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Runs `scenario` once, every choice made by `strategy`. The result stays valid until
  // the next run. `explain`: the re-run that renders a failing run's report.
  const RunResult& run(Strategy& strategy, const std::function<void()>& scenario, bool explain = false);

 private:
  Controller controller_;
  sched::VirtualClock clock_;
  CheckedReactor* reactor_ = nullptr;  // made by, and owned by, scheduler_
  sched::Scheduler scheduler_;  // last: its worker's policy and clock point at the two above
};

}  // namespace weft::check::detail
