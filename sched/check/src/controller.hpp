// Controlled runs of a scenario: the checker's Instrumentation (every schedule point
// and choice goes through it) and its SchedulingPolicy (every "who runs next" goes
// through it), both asking the strategy and recording the decisions, the trace, the
// happens-before clocks and the locks held. One controller serves run after run on its
// kernel thread (see runner.hpp): begin_run() forgets the last run and keeps the memory.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "checked_reactor.hpp"
#include "explanation.hpp"
#include "lock_tracker.hpp"
#include "race_detector.hpp"
#include "weft/check/explore.hpp"
#include "weft/check/strategy.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/policy.hpp"

namespace weft::check::detail {

struct RunResult {
  Schedule schedule;
  std::vector<int> running_at;  // per decision: the running fiber's position, or -1
  FailureKind kind = FailureKind::None;
  std::string message;
  std::vector<TraceEvent> trace;
  std::size_t preemptions() const;
};

class Controller final : public sched::Instrumentation {
 public:
  explicit Controller(const Options& options);

  // Starts a run whose choices `strategy` makes; everything the last run recorded is
  // forgotten. `explain`: the re-run of a failing schedule that renders its report (see
  // Explanation).
  void begin_run(Strategy& strategy, bool explain = false);
  // Ends the run; the result stays valid until the next begin_run().
  const RunResult& finish_run();
  // The reactor of the runs' scheduler: polled for ready fds before every decision.
  void attach_reactor(CheckedReactor* reactor) noexcept { io_ = reactor; }

  // --- sched::Instrumentation ---
  void schedule_point(sched::Op op, const void* object, std::source_location where) override;
  void hb_release(const void* object) override;
  void hb_acquire(const void* object) override;
  std::size_t choose(std::size_t n, sched::Choice what) override;
  void on_deadlock(const std::vector<const sched::Fiber*>& blocked) override;
  void on_fiber_failed(std::uint64_t fiber_id, const std::string& name, const char* what) override;
  void on_fiber_exit(const sched::Fiber& fiber) override;
  void on_access(const void* object, bool write, std::source_location where) override;
  void on_named(const void* object, const char* name) override;
  void on_message(const char* what) override;
  bool on_destroyed_in_use(const char* what, const void* object, sched::Fiber* user, bool waiting) override;

  // --- the policy side (ControlledPolicy forwards here) ---
  void awakened(sched::Fiber& fiber);
  sched::Fiber* pick_next();
  bool has_ready() const noexcept { return !ready_.empty(); }
  std::size_t ready_count() const noexcept { return ready_.size(); }

  // Records a failure (the first one wins, unless it was provisional) and ends the run.
  void fail(FailureKind kind, std::string message);
  void fail_here(FailureKind kind, std::string message);  // also unwinds the caller
  // Before the failing fiber unwinds: the fibers started after it, which may use objects
  // of its frame, unwind first (newest first), while those objects exist. Returns
  // whether any ran. See teardown.cpp.
  bool unwind_newer_first();
  bool failed() const noexcept { return result_.kind != FailureKind::None; }

 private:
  // A step's note, kept raw until a failing run's trace is rendered.
  enum class Note : std::uint8_t { None, Blocked, Finished, Unwound, Text };
  struct Step {
    std::size_t step = 0;
    std::size_t fiber = 0;
    const void* object = nullptr;
    std::source_location where;
    sched::Op op = sched::Op::Custom;
    bool has_site = false;
    Note note = Note::None;
    sched::WaitKind waits_on = sched::WaitKind::None;  // Blocked: on what
    // Blocked: the wait's name, if any; Text: the whole note. An index into texts_
    // (0: none), so that a Step stays trivial to make and to forget.
    std::uint32_t text = 0;
  };
  void set_text(Step& step, std::string text);
  const std::string& text_of(const Step& step) const;

  // The fiber's number in this run (0 is the scenario's main fiber), given on first
  // sight. Kept in the fiber's instrumentation tag, checked against fibers_ so that a
  // tag from another run or a reused address never passes for a number of this one.
  std::size_t number(const sched::Fiber* fiber) {
    const std::uint32_t tag = fiber->instrumentation_tag();
    if (tag != 0 && tag <= fibers_.size() && fibers_[tag - 1] == fiber) return tag - 1;
    return new_number(fiber);
  }
  std::size_t new_number(const sched::Fiber* fiber);
  std::optional<std::size_t> known_number(const sched::Fiber* fiber) const;
  std::string fiber_label(std::size_t number) const;
  // Appends a step to the trace: raw values only (fiber number, object address, source
  // location), turned into text by render_trace() when the run fails, so a passing run
  // formats nothing. `where` is null for steps without a site (blocking, exits).
  Step& record(std::size_t fiber, sched::Op op, const void* object, const std::source_location* where);
  std::string note_text(const Step& step) const;
  void render_trace();
  // `fibers`: a Schedule decision's `options` candidates, by number; null for other kinds.
  std::size_t decide(DecisionKind kind, std::size_t options, const std::size_t* fibers,
                     int running, bool yielded);
  PendingOp pending_of(std::size_t fiber) const;
  void throw_if_unwinding(const sched::Fiber* current);
  // Switches to a ready fiber at once, out of turn (only while the run unwinds).
  void run_now(sched::Fiber& fiber);
  bool ready(const sched::Fiber& fiber) const;
  std::string describe_deadlock(const std::vector<const sched::Fiber*>& blocked);
  std::string describe_inversion(const std::vector<LockEdge>& cycle) const;
  // A recorded site as text: the user's code behind it when explaining.
  std::string site_text(std::size_t step, std::source_location where) const;
  // An object as text: its name when explaining and it has one ('orders'), else its address.
  std::string object_text(const void* object) const;

  Strategy* strategy_ = nullptr;
  const Options& options_;
  CheckedReactor* io_ = nullptr;
  bool pending_wanted_ = true;  // the strategy reads DecisionPoint::pending
  struct Ready {
    std::size_t number;
    sched::Fiber* fiber;
  };
  // Kept sorted by number: decisions offer candidates in that order, and a run has a
  // handful of ready fibers, so an ordered insert beats sorting at every decision.
  std::vector<Ready> ready_;
  std::vector<const sched::Fiber*> fibers_;  // by number
  std::vector<PendingOp> pending_;  // by fiber number (numbers are dense)
  std::vector<std::string> messages_;  // by fiber number: on_message for its next step
  const sched::Fiber* preempting_ = nullptr;
  std::vector<std::string> names_;
  std::size_t steps_ = 0;
  RunResult result_;
  // The failure recorded by a teardown while an exception unwound a frame: the failure
  // that exception causes (caught by the scenario or a fiber's end) replaces it.
  bool provisional_ = false;
  std::vector<Step> trace_;  // this run's steps, rendered into result_.trace on failure
  std::vector<std::string> texts_;  // the steps' texts (Step::text)
  std::vector<PendingOp> pending_scratch_;  // decide()'s, kept between decisions
  std::vector<std::size_t> fibers_scratch_;  // the fibers of a scheduling decision
  RaceDetector races_;
  LockTracker locks_;
  std::string inversion_;  // the first lock-order inversion of this run, if any
  std::unique_ptr<Explanation> explanation_;  // only on the re-run that renders a failure
};

// The SchedulingPolicy of a controlled run.
class ControlledPolicy final : public sched::SchedulingPolicy {
 public:
  explicit ControlledPolicy(Controller& controller) : controller_(controller) {}
  void awakened(sched::Fiber& fiber, sched::ReadyHint) noexcept override { controller_.awakened(fiber); }
  sched::Fiber* pick_next() noexcept override { return controller_.pick_next(); }
  // No hand-offs that bypass the strategy.
  bool take(sched::Fiber&) noexcept override { return false; }
  bool has_ready() const noexcept override { return controller_.has_ready(); }
  std::size_t ready_count() const noexcept override { return controller_.ready_count(); }

 private:
  Controller& controller_;
};

std::string site_of(std::source_location where);

}  // namespace weft::check::detail
