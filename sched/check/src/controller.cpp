// One controlled run of a scenario (see controller.hpp): decisions, trace, deadlock and race reports.
#include "controller.hpp"

#include <algorithm>
#include <exception>
#include <sstream>
#include <utility>

#include "weft/sched/clock.hpp"
#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/scheduler.hpp"
#include "weft/sched/wait_for.hpp"

namespace weft::check::detail {

std::string site_of(std::source_location where) {
  std::string file = where.file_name();
  if (auto slash = file.find_last_of('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return file + ":" + std::to_string(where.line());
}

namespace {

std::string address(const void* object) {
  if (object == nullptr) return "";
  std::ostringstream out;
  out << object;
  return out.str();
}

// The scenario's main fiber.
class ScenarioFiber final : public sched::Fiber {
 public:
  ScenarioFiber(const std::function<void()>& body, Controller& controller)
      : Fiber("main"), body_(body), controller_(controller) {}

 private:
  void run() noexcept override {
    try {
      body_();
    } catch (const sched::detail::Unwind&) {
    } catch (const std::exception& e) {
      controller_.fail(FailureKind::Exception,
                       std::string("the scenario threw an exception: ") + e.what());
    } catch (...) {
      controller_.fail(FailureKind::Exception, "the scenario threw a non-standard exception");
    }
  }
  const std::function<void()>& body_;
  Controller& controller_;
};

}  // namespace

std::size_t RunResult::preemptions() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < schedule.decisions.size(); ++i) {
    const Decision& d = schedule.decisions[i];
    if (d.kind == DecisionKind::Schedule && running_at[i] >= 0 &&
        d.choice != static_cast<std::uint32_t>(running_at[i]))
      ++n;
  }
  return n;
}

Controller::Controller(Strategy& strategy, const Options& options, bool explain)
    : strategy_(strategy), options_(options),
      explanation_(explain ? std::make_unique<Explanation>() : nullptr) {
  // Room for a small scenario's run without regrowing (a run is a few dozen steps).
  constexpr std::size_t kFibers = 16, kSteps = 128;
  numbers_.reserve(kFibers);
  names_.reserve(kFibers);
  pending_.reserve(kFibers);
  trace_.reserve(kSteps);
}

std::size_t Controller::number(const sched::Fiber* fiber) {
  auto [it, fresh] = numbers_.try_emplace(fiber, names_.size());
  if (fresh) {
    names_.push_back(fiber->name());
    races_.fiber_started(it->second);
  }
  return it->second;
}

std::string Controller::fiber_label(std::size_t n) const {
  std::string label = "#" + std::to_string(n);
  if (n < names_.size() && !names_[n].empty()) label += " " + names_[n];
  return label;
}

void Controller::record(sched::Op op, const void* object, const std::source_location* where,
                        std::string note) {
  sched::Fiber* current = sched::current_fiber();
  std::size_t fiber = current ? number(current) : 0;
  trace_.push_back(Step{steps_, fiber, op, object, where ? *where : std::source_location{}, where != nullptr,
                        std::move(note)});
}

std::string Controller::site_text(std::size_t step, std::source_location where) const {
  return explanation_ ? explanation_->site(step, where) : site_of(where);
}

std::string Controller::object_text(const void* object) const {
  if (explanation_ && object)
    if (const std::string* name = explanation_->name(object)) return "'" + *name + "'";
  return address(object);
}

void Controller::render_trace() {
  result_.trace.clear();
  result_.trace.reserve(trace_.size());
  for (Step& s : trace_)
    result_.trace.push_back(TraceEvent{s.step, s.fiber, fiber_label(s.fiber), s.op, object_text(s.object),
                                       s.has_site ? site_text(s.step, s.where) : std::string(),
                                       std::move(s.note)});
  trace_.clear();
}

PendingOp Controller::pending_of(std::size_t fiber) const {
  return fiber < pending_.size() ? pending_[fiber] : PendingOp{};
}

std::size_t Controller::decide(DecisionKind kind, std::size_t options,
                               const std::vector<std::size_t>* fibers, int running, bool yielded) {
  std::vector<PendingOp>& pending = pending_scratch_;  // reused: no allocation per decision
  pending.clear();
  if (fibers)
    for (std::size_t f : *fibers) pending.push_back(pending_of(f));
  DecisionPoint point;
  point.pending = fibers ? pending.data() : nullptr;
  point.kind = kind;
  point.options = options;
  point.fibers = fibers ? fibers->data() : nullptr;
  point.running = running;
  point.running_yielded = yielded;
  point.step = result_.schedule.decisions.size();
  std::size_t choice = strategy_.decide(point);
  if (choice >= options) choice = default_choice(point);
  result_.schedule.decisions.push_back(Decision{kind, static_cast<std::uint32_t>(choice)});
  result_.running_at.push_back(running);
  return choice;
}

void Controller::throw_if_unwinding() {
  sched::Fiber* current = sched::current_fiber();
  if (current && sched::detail::unwinding(*current) && std::uncaught_exceptions() == 0)
    throw sched::detail::Unwind{};
}

void Controller::schedule_point(sched::Op op, const void* object, std::source_location where) {
  sched::Fiber* current = sched::current_fiber();
  if (current == nullptr) return;
  if (sched::detail::unwinding(*current)) {
    // The run is over. Destructors still unlock and notify on the way out: no more
    // decisions, and the fiber unwinds to its end without being switched away.
    throw_if_unwinding();
    return;
  }
  std::size_t self = number(current);
  if (op == sched::Op::Spawn && object) {
    // A new fiber may reuse the address of one that ended: give it a fresh number.
    numbers_.erase(static_cast<const sched::Fiber*>(object));
    number(static_cast<const sched::Fiber*>(object));
  }
  if (op == sched::Op::Lock) locks_.announce_lock(self, object, where, steps_);
  if (op == sched::Op::Unlock) locks_.unlocked(self, object);
  if (self >= pending_.size()) pending_.resize(self + 1);
  pending_[self] = PendingOp{op, object, true};
  if (explanation_) explanation_->note_site(steps_, where);
  record(op, object, &where);

  if (++steps_ > options_.max_steps) {
    fail_here(FailureKind::StepBound, "the run exceeded " + std::to_string(options_.max_steps) +
                                          " steps (possible livelock); raise Options::max_steps "
                                          "if the scenario is just long");
  }
  if (ready_.empty()) return;
  const bool yielded = op == sched::Op::Yield;
  // One worker: a cooperative fiber keeps running until it blocks or yields.
  if (options_.workers <= 1 && !yielded) return;

  // Candidates: every ready fiber and the running one, by fiber number. In fair mode a
  // yielding fiber is not a candidate: some other ready fiber runs.
  std::vector<std::pair<std::size_t, sched::Fiber*>>& candidates = candidates_scratch_;
  candidates.clear();
  if (!(yielded && options_.fair)) candidates.emplace_back(self, current);
  for (sched::Fiber* f : ready_) candidates.emplace_back(number(f), f);
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t choice = 0;
  if (candidates.size() > 1) {
    std::vector<std::size_t>& fibers = fibers_scratch_;
    fibers.clear();
    int running = -1;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      fibers.push_back(candidates[i].first);
      if (candidates[i].second == current) running = static_cast<int>(i);
    }
    choice = decide(DecisionKind::Schedule, candidates.size(), &fibers, running, yielded);
  }
  sched::Fiber* next = candidates[choice].second;
  if (next == current) return;
  ready_.erase(std::find(ready_.begin(), ready_.end(), next));
  preempting_ = current;  // requeued with its pending operation still known
  sched::detail::preempt_to(*next);
  throw_if_unwinding();
}

void Controller::awakened(sched::Fiber& fiber) {
  std::size_t n = number(&fiber);
  if (&fiber != preempting_ && n < pending_.size()) pending_[n] = PendingOp{};  // woken or new: unknown
  preempting_ = nullptr;
  ready_.push_back(&fiber);
}

sched::Fiber* Controller::pick_next() {
  if (sched::Fiber* current = sched::current_fiber();
      current && current->state() == sched::FiberState::Parked) {
    sched::WaitRecord r = current->wait_record();
    std::string note = std::string("blocked on ") + sched::to_string(r.kind);
    if (r.name && *r.name) note += std::string(" ") + r.name;
    record(sched::Op::Park, r.object, nullptr, std::move(note));
  }
  if (ready_.empty()) return nullptr;
  std::sort(ready_.begin(), ready_.end(), [&](const sched::Fiber* a, const sched::Fiber* b) {
    return numbers_.at(a) < numbers_.at(b);
  });
  std::size_t choice = 0;
  if (sched::detail::unwinding(*ready_.back())) {
    // The run is over and its fibers unwind: newest first, as children usually use
    // objects that live in their parents' frames. Not a decision.
    choice = ready_.size() - 1;
  } else if (ready_.size() > 1) {
    std::vector<std::size_t>& fibers = fibers_scratch_;  // reused: no allocation per decision
    fibers.clear();
    for (sched::Fiber* f : ready_) fibers.push_back(numbers_.at(f));
    choice = decide(DecisionKind::Schedule, ready_.size(), &fibers, -1, false);
  }
  sched::Fiber* next = ready_[choice];
  ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(choice));
  return next;
}

void Controller::hb_release(const void* object) {
  if (sched::Fiber* current = sched::current_fiber()) races_.release(number(current), object);
}

void Controller::hb_acquire(const void* object) {
  sched::Fiber* current = sched::current_fiber();
  if (current == nullptr) return;
  std::size_t self = number(current);
  races_.acquire(self, object);
  if (locks_.acquired(self, object) && options_.lock_order && inversion_.empty()) {
    if (auto cycle = locks_.find_cycle()) {
      // Only a potential deadlock: the run goes on, and a real failure takes precedence.
      inversion_ = describe_inversion(*cycle);
      if (!trace_.empty()) trace_.back().note = "lock-order inversion";
    }
  }
}

std::string Controller::describe_inversion(const std::vector<LockEdge>& cycle) const {
  // A name is enough unless another lock of the cycle has the same one.
  auto lock = [&](const void* object) {
    const std::string text = object_text(object);
    for (const LockEdge& e : cycle)
      if (e.to != object && object_text(e.to) == text) return text + " (" + address(object) + ")";
    return text;
  };
  auto site = [&](std::source_location where, std::size_t step) {
    return site_text(step, where) + " (step " + std::to_string(step) + ")";
  };
  std::ostringstream msg;
  msg << "lock-order inversion (potential deadlock): ";
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const LockEdge& e = cycle[i];
    if (i) msg << "; ";
    msg << "fiber " << fiber_label(e.fiber) << " took lock " << lock(e.to) << " at "
        << site(e.taken_where, e.taken_step) << " while holding lock " << lock(e.from)
        << " (taken at " << site(e.held_where, e.held_step) << ")";
  }
  return msg.str();
}

std::size_t Controller::choose(std::size_t n, sched::Choice what) {
  if (n <= 1) return 0;
  if (what == sched::Choice::SpuriousWakeup && !options_.spurious_wakeups) return 0;
  if (sched::current_fiber() == nullptr) return 0;
  return decide(to_decision(what), n, nullptr, -1, false);
}

void Controller::on_named(const void* object, const char* name) {
  if (explanation_) explanation_->note_name(object, name);
}

void Controller::on_access(const void* object, bool write, std::source_location where) {
  // On one worker every fiber runs on the same kernel thread: accesses are ordered.
  if (!options_.races || options_.workers <= 1) return;
  sched::Fiber* current = sched::current_fiber();
  if (current == nullptr) return;
  auto race = races_.access(number(current), object, write, where);
  if (!race) return;
  std::ostringstream msg;
  msg << "data race on " << object << ": " << (race->later.write ? "write" : "read") << " by fiber "
      << fiber_label(race->later.fiber) << " at " << site_of(race->later.where)
      << " is not ordered after the " << (race->earlier.write ? "write" : "read") << " by fiber "
      << fiber_label(race->earlier.fiber) << " at " << site_of(race->earlier.where);
  fail_here(FailureKind::DataRace, msg.str());
}

std::string Controller::describe_deadlock(const std::vector<const sched::Fiber*>& parked) {
  std::vector<const sched::Fiber*> blocked = parked;
  std::sort(blocked.begin(), blocked.end(),
            [&](const sched::Fiber* a, const sched::Fiber* b) { return number(a) < number(b); });
  // Who a fiber waits for: the kernel knows joins and lock owners; the lock tracker also
  // knows a lock held shared. Only blocked fibers are followed into the cycle.
  auto tracked_holder = [&](const sched::Fiber& f) -> std::optional<std::size_t> {
    const sched::WaitRecord r = f.wait_record();
    if (r.kind == sched::WaitKind::Join || r.object == nullptr) return std::nullopt;
    return locks_.holder(r.object);
  };
  auto waits_for = [&](const sched::Fiber& f) -> const sched::Fiber* {
    if (const sched::Fiber* other = sched::waited_for(f)) return other;
    if (auto n = tracked_holder(f))
      for (const sched::Fiber* b : blocked)
        if (number(b) == *n) return b;
    return nullptr;
  };
  std::ostringstream msg;
  msg << "deadlock: all " << blocked.size() << " remaining fibers are blocked and no timer is pending";
  for (const sched::Fiber* f : blocked) {
    sched::WaitRecord r = f->wait_record();
    msg << "\n    fiber " << fiber_label(number(f)) << " waits on " << sched::to_string(r.kind);
    if (r.name && *r.name) msg << " '" << r.name << "'";
    if (r.object) msg << " " << r.object;
    std::optional<std::size_t> other = tracked_holder(*f);
    if (const sched::Fiber* known = sched::waited_for(*f)) other = number(known);
    if (other)
      msg << (r.kind == sched::WaitKind::Join ? ", which has not finished" : ", held by fiber " + fiber_label(*other));
  }
  std::vector<const sched::Fiber*> cycle = sched::find_wait_cycle(blocked, waits_for);
  if (!cycle.empty())
    msg << "\n    wait-for cycle of " << cycle.size() << ": "
        << sched::describe_wait_cycle(cycle, [&](const sched::Fiber& f) { return fiber_label(number(&f)); });
  return msg.str();
}

void Controller::on_deadlock(const std::vector<const sched::Fiber*>& blocked) {
  fail(FailureKind::Deadlock, describe_deadlock(blocked));
}

void Controller::on_fiber_failed(std::uint64_t, const std::string& name, const char* what) {
  fail(FailureKind::Exception,
       "fiber '" + name + "' ended with an exception nobody joined: " + what);
}

void Controller::on_fiber_exit(const sched::Fiber& fiber) {
  // After a failure the remaining fibers are unwound, not finished.
  record(sched::Op::Custom, nullptr, nullptr, sched::detail::unwinding(fiber) ? "unwound" : "finished");
}

void Controller::fail(FailureKind kind, std::string message) {
  if (failed() && !provisional_) return;
  const bool replacing = std::exchange(provisional_, false);  // its step is marked already
  result_.kind = kind;
  result_.message = std::move(message);
  if (!replacing && !trace_.empty())
    trace_.back().note += trace_.back().note.empty() ? "failed here" : "; failed here";
  sched::detail::unwind_all();
}

void Controller::fail_here(FailureKind kind, std::string message) {
  fail(kind, std::move(message));
  if (std::uncaught_exceptions() == 0) unwind_newer_first();
  throw_if_unwinding();
}

RunResult Controller::take_result() {
  if (result_.kind == FailureKind::None && !inversion_.empty()) {
    result_.kind = FailureKind::LockOrderInversion;
    result_.message = std::move(inversion_);
  }
  if (failed()) render_trace();  // a passing run's trace is never read
  return std::move(result_);
}

RunResult run_once(Strategy& strategy, const Options& options, const std::function<void()>& scenario,
                   bool explain) {
  Controller controller(strategy, options, explain);
  sched::VirtualClock clock;
  sched::SchedulerOptions scheduler_options;
  scheduler_options.policy = [&controller](const sched::PolicyContext&) {
    return std::make_unique<ControlledPolicy>(controller);
  };
  scheduler_options.clock = &clock;
  scheduler_options.detect_deadlock = true;
  sched::Scheduler runtime(std::move(scheduler_options));
  sched::detail::set_instrumentation(&controller);
  try {
    runtime.run(*new ScenarioFiber(scenario, controller));
  } catch (const sched::DeadlockError& e) {
    controller.fail(FailureKind::Deadlock, e.what());
  } catch (const std::exception& e) {
    controller.fail(FailureKind::Exception, e.what());
  }
  sched::detail::set_instrumentation(nullptr);
  return controller.take_result();
}

}  // namespace weft::check::detail
