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

Controller::Controller(const Options& options) : options_(options) {
  // Room for a small scenario's run without regrowing (a run is a few dozen steps).
  constexpr std::size_t kFibers = 16, kSteps = 128;
  fibers_.reserve(kFibers);
  names_.reserve(kFibers);
  pending_.reserve(kFibers);
  trace_.reserve(kSteps);
  result_.schedule.decisions.reserve(kSteps);
  result_.running_at.reserve(kSteps);
}

void Controller::begin_run(Strategy& strategy, bool explain) {
  strategy_ = &strategy;
  pending_wanted_ = strategy.uses_pending();
  provisional_ = false;
  if (explain)
    explanation_ = std::make_unique<Explanation>();
  else
    explanation_.reset();
  ready_.clear();
  fibers_.clear();
  pending_.clear();
  messages_.clear();
  preempting_ = nullptr;
  names_.clear();
  steps_ = 0;
  result_.schedule.decisions.clear();
  result_.running_at.clear();
  result_.kind = FailureKind::None;
  result_.message.clear();
  result_.trace.clear();
  trace_.clear();
  texts_.clear();
  races_.reset();
  locks_.reset();
  inversion_.clear();
  if (io_) io_->begin_run();
}

std::size_t Controller::new_number(const sched::Fiber* fiber) {
  const std::size_t n = fibers_.size();
  fibers_.push_back(fiber);
  fiber->set_instrumentation_tag(static_cast<std::uint32_t>(n + 1));
  names_.push_back(fiber->name());
  races_.fiber_started(n);
  return n;
}

std::optional<std::size_t> Controller::known_number(const sched::Fiber* fiber) const {
  const std::uint32_t tag = fiber->instrumentation_tag();
  if (tag != 0 && tag <= fibers_.size() && fibers_[tag - 1] == fiber) return tag - 1;
  return std::nullopt;
}

std::string Controller::fiber_label(std::size_t n) const {
  std::string label = "#" + std::to_string(n);
  if (n < names_.size() && !names_[n].empty()) label += " " + names_[n];
  return label;
}

Controller::Step& Controller::record(std::size_t fiber, sched::Op op, const void* object,
                                     const std::source_location* where) {
  Step& step = trace_.emplace_back();
  step.step = steps_;
  step.fiber = fiber;
  step.object = object;
  step.where = where ? *where : std::source_location{};
  step.op = op;
  step.has_site = where != nullptr;
  return step;
}

void Controller::set_text(Step& step, std::string text) {
  texts_.push_back(std::move(text));
  step.text = static_cast<std::uint32_t>(texts_.size());
}

const std::string& Controller::text_of(const Step& step) const {
  static const std::string none;
  return step.text == 0 ? none : texts_[step.text - 1];
}

std::string Controller::note_text(const Step& s) const {
  const std::string& text = text_of(s);
  switch (s.note) {
    case Note::None: return {};
    case Note::Blocked: {
      std::string note = std::string("blocked on ") + sched::to_string(s.waits_on);
      if (!text.empty()) note += " " + text;
      return note;
    }
    case Note::Finished: return "finished";
    case Note::Unwound: return "unwound";
    case Note::Text: return text;
  }
  return {};
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
                                       s.has_site ? site_text(s.step, s.where) : std::string(), note_text(s)});
  trace_.clear();
}

PendingOp Controller::pending_of(std::size_t fiber) const {
  return fiber < pending_.size() ? pending_[fiber] : PendingOp{};
}

std::size_t Controller::decide(DecisionKind kind, std::size_t options, const std::size_t* fibers,
                               int running, bool yielded) {
  // Reused, and only ever grown: no allocation or clearing per decision.
  std::vector<PendingOp>& pending = pending_scratch_;
  const std::size_t candidates = fibers && pending_wanted_ ? options : 0;
  if (pending.size() < candidates) pending.resize(candidates);
  PendingOp* out = pending.data();
  for (std::size_t i = 0; i < candidates; ++i) out[i] = pending_of(fibers[i]);
  DecisionPoint point;
  point.pending = candidates ? pending.data() : nullptr;
  point.kind = kind;
  point.options = options;
  point.fibers = fibers;
  point.running = running;
  point.running_yielded = yielded;
  point.step = result_.schedule.decisions.size();
  std::size_t choice = strategy_->decide(point);
  if (choice >= options) choice = default_choice(point);
  result_.schedule.decisions.push_back(Decision{kind, static_cast<std::uint32_t>(choice)});
  result_.running_at.push_back(running);
  return choice;
}

void Controller::throw_if_unwinding(const sched::Fiber* current) {
  if (current && sched::detail::unwinding(*current) && std::uncaught_exceptions() == 0)
    throw sched::detail::Unwind{};
}

void Controller::schedule_point(sched::Op op, const void* object, std::source_location where) {
  sched::Fiber* current = sched::current_fiber();
  if (current == nullptr) return;
  if (sched::detail::unwinding(*current)) {
    // The run is over. Destructors still unlock and notify on the way out: no more
    // decisions, and the fiber unwinds to its end without being switched away.
    throw_if_unwinding(current);
    return;
  }
  std::size_t self = number(current);
  // The new fiber's number comes next (its tag is fresh even where it reuses the address
  // of a fiber that ended).
  if (op == sched::Op::Spawn && object) number(static_cast<const sched::Fiber*>(object));
  if (op == sched::Op::Lock) locks_.announce_lock(self, object, where, steps_);
  if (op == sched::Op::Unlock) locks_.unlocked(self, object);
  if (self >= pending_.size()) pending_.resize(self + 1);
  pending_[self] = PendingOp{op, object, true};
  if (explanation_) explanation_->note_site(steps_, where);
  Step& step = record(self, op, object, &where);
  if (self < messages_.size() && !messages_[self].empty()) {
    step.note = Note::Text;
    set_text(step, std::move(messages_[self]));
    messages_[self].clear();
  }

  if (++steps_ > options_.max_steps) {
    fail_here(FailureKind::StepBound, "the run exceeded " + std::to_string(options_.max_steps) +
                                          " steps (possible livelock); raise Options::max_steps "
                                          "if the scenario is just long");
  }
  if (io_) io_->deliver_ready();  // a fiber whose fd became ready is a candidate too
  if (ready_.empty()) return;
  const bool yielded = op == sched::Op::Yield;
  // One worker: a cooperative fiber keeps running until it blocks or yields.
  if (options_.workers <= 1 && !yielded) return;

  // Candidates: every ready fiber and the running one, by fiber number. In fair mode a
  // yielding fiber is not a candidate: some other ready fiber runs.
  const bool self_candidate = !(yielded && options_.fair);
  const std::size_t count = ready_.size() + (self_candidate ? 1 : 0);
  if (fibers_scratch_.size() < count) fibers_scratch_.resize(count);  // only ever grown
  std::size_t* const fibers = fibers_scratch_.data();
  std::size_t* out = fibers;  // filled in one pass: this runs at every schedule point
  int running = -1;
  for (const Ready& r : ready_) {
    if (self_candidate && running < 0 && self < r.number) {
      running = static_cast<int>(out - fibers);
      *out++ = self;
    }
    *out++ = r.number;
  }
  if (self_candidate && running < 0) {
    running = static_cast<int>(out - fibers);
    *out++ = self;
  }
  std::size_t choice = 0;
  if (count > 1) choice = decide(DecisionKind::Schedule, count, fibers, running, yielded);
  if (static_cast<int>(choice) == running) return;
  // The chosen candidate's place in ready_: the running fiber is not in it.
  const std::size_t index = choice - (running >= 0 && static_cast<int>(choice) > running ? 1 : 0);
  sched::Fiber* next = ready_[index].fiber;
  ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(index));
  preempting_ = current;  // requeued with its pending operation still known
  sched::detail::preempt_to(*next);
  throw_if_unwinding(current);  // resumed: the run may have ended meanwhile
}

void Controller::awakened(sched::Fiber& fiber) {
  std::size_t n = number(&fiber);
  if (&fiber != preempting_ && n < pending_.size()) pending_[n] = PendingOp{};  // woken or new: unknown
  preempting_ = nullptr;
  ready_.push_back(Ready{n, &fiber});
  for (std::size_t i = ready_.size() - 1; i > 0 && ready_[i - 1].number > n; --i)
    std::swap(ready_[i - 1], ready_[i]);
}

sched::Fiber* Controller::pick_next() {
  sched::Fiber* parking = nullptr;
  if (sched::Fiber* current = sched::current_fiber();
      current && current->state() == sched::FiberState::Parked) {
    parking = current;
    sched::WaitRecord r = current->wait_record();
    Step& step = record(number(current), sched::Op::Park, r.object, nullptr);
    step.note = Note::Blocked;
    step.waits_on = r.kind;
    if (r.name && *r.name) set_text(step, r.name);
  }
  if (io_) io_->deliver_ready(parking);
  if (ready_.empty()) return nullptr;
  std::size_t choice = 0;
  if (sched::detail::unwinding(*ready_.back().fiber)) {
    // The run is over and its fibers unwind: newest first, as children usually use
    // objects that live in their parents' frames. Not a decision.
    choice = ready_.size() - 1;
  } else if (ready_.size() > 1) {
    if (fibers_scratch_.size() < ready_.size()) fibers_scratch_.resize(ready_.size());  // only ever grown
    for (std::size_t i = 0; i < ready_.size(); ++i) fibers_scratch_[i] = ready_[i].number;
    choice = decide(DecisionKind::Schedule, ready_.size(), fibers_scratch_.data(), -1, false);
  }
  sched::Fiber* next = ready_[choice].fiber;
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
    if (auto cycle = locks_.find_new_cycle()) {
      // Only a potential deadlock: the run goes on, and a real failure takes precedence.
      inversion_ = describe_inversion(*cycle);
      if (!trace_.empty()) {
        trace_.back().note = Note::Text;
        set_text(trace_.back(), "lock-order inversion");
      }
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

void Controller::on_message(const char* what) {
  sched::Fiber* current = sched::current_fiber();
  if (current == nullptr) return;
  const std::size_t self = number(current);
  if (self >= messages_.size()) messages_.resize(self + 1);
  messages_[self] = what;
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
  const bool on_fds = std::any_of(blocked.begin(), blocked.end(),
                                  [](const sched::Fiber* f) { return f->wait_record().kind == sched::WaitKind::Io; });
  msg << "deadlock: all " << blocked.size() << " remaining fibers are blocked"
      << (on_fds ? ", no timer is pending and no fd they wait on is ready" : " and no timer is pending");
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
  record(number(&fiber), sched::Op::Custom, nullptr, nullptr).note =
      sched::detail::unwinding(fiber) ? Note::Unwound : Note::Finished;
}

void Controller::fail(FailureKind kind, std::string message) {
  if (failed() && !provisional_) return;
  const bool replacing = std::exchange(provisional_, false);  // its step is marked already
  result_.kind = kind;
  result_.message = std::move(message);
  if (!replacing && !trace_.empty()) {
    // The failing fiber's own step carries the mark, not the last step of another one.
    if (const sched::Fiber* current = sched::current_fiber(); current && !sched::detail::unwinding(*current)) {
      const std::size_t self = number(current);
      if (trace_.back().fiber != self) record(self, sched::Op::Custom, nullptr, nullptr);
    }
    Step& last = trace_.back();
    std::string note = note_text(last);
    note += note.empty() ? "failed here" : "; failed here";
    last.note = Note::Text;
    set_text(last, std::move(note));
  }
  sched::detail::unwind_all();
}

void Controller::fail_here(FailureKind kind, std::string message) {
  fail(kind, std::move(message));
  if (std::uncaught_exceptions() == 0) unwind_newer_first();
  throw_if_unwinding(sched::current_fiber());
}

const RunResult& Controller::finish_run() {
  if (result_.kind == FailureKind::None && !inversion_.empty()) {
    result_.kind = FailureKind::LockOrderInversion;
    result_.message = std::move(inversion_);
  }
  if (failed()) render_trace();  // a passing run's trace is never read
  return result_;
}

}  // namespace weft::check::detail
