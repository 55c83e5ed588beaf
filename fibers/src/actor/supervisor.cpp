// The supervisor actor: starts its children linked to it, traps their exits, and
// restarts them by its strategy within its restart intensity.
#include "weft/actor/supervisor.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <set>
#include <variant>

#include "weft/sched/kernel.hpp"

namespace weft {

const char* to_string(Strategy strategy) noexcept {
  switch (strategy) {
    case Strategy::one_for_one: return "one_for_one";
    case Strategy::one_for_all: return "one_for_all";
    case Strategy::rest_for_one: return "rest_for_one";
  }
  return "?";
}

const char* to_string(Restart restart) noexcept {
  switch (restart) {
    case Restart::permanent: return "permanent";
    case Restart::transient: return "transient";
    case Restart::temporary: return "temporary";
  }
  return "?";
}

namespace detail {

// What the supervisor actor and its handles share.
struct SupervisorState {
  struct Child {
    ChildSpec spec;
    ActorAddress current;   // empty while not running
  };
  std::mutex lock;          // never held across a switch
  std::vector<Child> children;
  std::size_t restarts = 0;
};

namespace {

std::string describe_duration(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

class SupervisorActor {
 public:
  using Message = std::variant<ExitSignal>;

  SupervisorActor(ActorContext<Message>& self, SupervisorOptions options,
                  std::shared_ptr<SupervisorState> state)
      : self_(self), options_(std::move(options)), state_(std::move(state)) {}

  void run(ActorContext<Message>& self) {
    try {
      for (std::size_t i = 0; i < state_->children.size(); ++i) start(i);
      for (;;) on_exit_signal(std::get<ExitSignal>(self.receive()));
    } catch (const sched::detail::Unwind&) {
      throw;  // the runtime is tearing everything down
    } catch (...) {
      shut_down_from(0);
      throw;
    }
  }

 private:
  void on_exit_signal(const ExitSignal& signal) {
    const std::optional<std::size_t> index = find(signal.from);
    if (!index) {
      // exit() on the supervisor, or its parent (its link) failing: end with that reason.
      // Stale signals of children shut down on purpose are ignored.
      const bool exit_called = !signal.from;
      const bool parent_failed = signal.from == options_.link && !signal.reason.is_normal();
      if (exit_called || parent_failed) self_.exit(signal.reason);
      return;
    }
    const std::size_t i = *index;
    SupervisorState::Child& child = state_->children[i];
    set_current(i, ActorAddress());
    const bool restart = child.spec.restart == Restart::permanent ||
                         (child.spec.restart == Restart::transient && !signal.reason.is_clean());
    if (!restart) return;
    count_restart(child.spec.name, signal.reason);
    switch (options_.strategy) {
      case Strategy::one_for_one:
        start(i);
        break;
      case Strategy::one_for_all:
        shut_down_from(0);
        start_from(0, i);
        break;
      case Strategy::rest_for_one:
        shut_down_from(i + 1);
        start_from(i, i);
        break;
    }
  }

  // Records a restart; past the intensity, the supervisor gives up.
  void count_restart(const std::string& name, const ExitReason& reason) {
    const TimePoint now = weft::now();
    recent_.push_back(now);
    while (!recent_.empty() && recent_.front() <= now - options_.within) recent_.pop_front();
    if (static_cast<int>(recent_.size()) > options_.max_restarts)
      self_.exit(ExitReason::error("supervisor '" + self_.name() + "': more than " +
                                   std::to_string(options_.max_restarts) + " restarts within " +
                                   describe_duration(options_.within) + "; the last: child '" +
                                   name + "' exited (" + reason.describe() + ")"));
    std::lock_guard guard(state_->lock);
    ++state_->restarts;
  }

  void start(std::size_t i) {
    SupervisorState::Child& child = state_->children[i];
    ActorOptions options;
    options.name = child.spec.name;
    options.link = self_.self();
    set_current(i, child.spec.start(std::move(options)));  // a throw ends the supervisor
  }

  // Starts again, in order, the child `failed` and the children from `first` on that a
  // strategy shut down (temporary children are never restarted).
  void start_from(std::size_t first, std::size_t failed) {
    for (std::size_t i = first; i < state_->children.size(); ++i) {
      const bool was_shut_down =
          shut_down_.contains(i) && state_->children[i].spec.restart != Restart::temporary;
      if (i == failed || was_shut_down) start(i);
    }
    shut_down_.clear();
  }

  // Shuts down the running children from `first` on, last started first.
  void shut_down_from(std::size_t first) {
    // A kill cancels the supervisor's waits; shutting down must still wait.
    sched::current_fiber()->clear_cancel();
    for (std::size_t i = state_->children.size(); i-- > first;) {
      const ActorAddress child = state_->children[i].current;
      if (!child) continue;
      shut_down_.insert(i);
      self_.unlink(child);
      child.exit(ExitReason::shutdown());
      if (!child.wait_for(state_->children[i].spec.shutdown)) {
        child.exit(ExitReason::killed());
        (void)child.wait();
      }
      set_current(i, ActorAddress());
    }
  }

  std::optional<std::size_t> find(const ActorAddress& address) const {
    if (!address) return std::nullopt;
    for (std::size_t i = 0; i < state_->children.size(); ++i)
      if (state_->children[i].current == address) return i;
    return std::nullopt;
  }

  void set_current(std::size_t i, ActorAddress address) {
    std::lock_guard guard(state_->lock);
    state_->children[i].current = std::move(address);
  }

  ActorContext<Message>& self_;
  SupervisorOptions options_;
  std::shared_ptr<SupervisorState> state_;
  std::deque<TimePoint> recent_;          // restart times within the intensity period
  std::set<std::size_t> shut_down_;   // shut down by a strategy: to start again
};

}  // namespace
}  // namespace detail

ActorAddress Supervisor::address() const {
  if (!self_) throw UsageError("weft::Supervisor: the handle is empty");
  return self_;
}

std::optional<ActorAddress> Supervisor::child_address(const std::string& name) const {
  if (!state_) throw UsageError("weft::Supervisor: the handle is empty");
  std::lock_guard guard(state_->lock);
  for (const auto& child : state_->children)
    if (child.spec.name == name) {
      if (!child.current) return std::nullopt;
      return child.current;
    }
  throw UsageError("weft::Supervisor::child: no child named '" + name + "'");
}

std::size_t Supervisor::restarts() const {
  if (!state_) throw UsageError("weft::Supervisor: the handle is empty");
  std::lock_guard guard(state_->lock);
  return state_->restarts;
}

void Supervisor::stop() const {
  if (auto ref = ActorRef<detail::SupervisorActor::Message>::from(address())) ref->stop();
}

Supervisor spawn_supervisor(SupervisorOptions options, std::vector<ChildSpec> children) {
  auto state = std::make_shared<detail::SupervisorState>();
  std::set<std::string> names;
  for (ChildSpec& spec : children) {
    if (spec.name.empty()) throw UsageError("weft::spawn_supervisor: a child has no name");
    if (!names.insert(spec.name).second)
      throw UsageError("weft::spawn_supervisor: two children are named '" + spec.name + "'");
    if (!spec.start) throw UsageError("weft::spawn_supervisor: child '" + spec.name + "' has no start");
    state->children.push_back({std::move(spec), ActorAddress()});
  }
  ActorOptions actor;
  actor.name = options.name;
  actor.link = options.link;
  actor.trap_exits = true;
  auto ref = spawn_actor<detail::SupervisorActor>(std::move(actor), std::move(options), state);
  return Supervisor(ref.address(), std::move(state));
}

ChildSpec supervisor_child(SupervisorOptions options, std::vector<ChildSpec> children) {
  std::string name = options.name;
  return ChildSpec{std::move(name), [options, children](ActorOptions given) {
                     SupervisorOptions o = options;
                     o.name = std::move(given.name);
                     o.link = std::move(given.link);
                     return spawn_supervisor(std::move(o), children).address();
                   }};
}

}  // namespace weft
