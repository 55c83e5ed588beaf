// Systematic depth-first exploration with a preemption bound (iterative context
// bounding, Musuvathi & Qadeer, PLDI 2007) and sleep sets (Godefroid, 1996) for
// partial-order reduction.
//
// Each run replays the current path and extends it with non-preemptive default choices;
// afterwards the deepest decision with an untried alternative inside the bound is
// advanced. Sleep sets skip orderings that only swap independent operations: once the
// subtree where fiber A goes first has been explored, the sibling subtrees do not run A
// until some operation that conflicts with A's has run. Choices that do not pick a fiber
// (which waiter wakes, data choices) are explored in full.
#include <algorithm>
#include <vector>

#include "weft/check/strategy.hpp"

namespace weft::check {

bool independent(const PendingOp& a, const PendingOp& b) noexcept {
  if (!a.known || !b.known) return false;
  if (a.op == sched::Op::Yield || b.op == sched::Op::Yield) return true;  // touches nothing shared
  if (a.object == nullptr || b.object == nullptr) return false;
  if (a.object != b.object) return true;
  return a.op == sched::Op::Load && b.op == sched::Op::Load;
}

namespace {

struct Asleep {
  std::size_t fiber;
  PendingOp op;
};

class DfsStrategy final : public Strategy {
 public:
  DfsStrategy(int max_preemptions, std::size_t max_schedules)
      : bound_(max_preemptions < 0 ? 0 : static_cast<std::size_t>(max_preemptions)),
        max_schedules_(max_schedules) {}

  std::string name() const override { return "dfs(preemptions<=" + std::to_string(bound_) + ")"; }

  bool begin_run(std::size_t) override {
    if (exhausted_ || runs_ >= max_schedules_) return false;
    step_ = 0;
    return true;
  }

  std::size_t decide(const DecisionPoint& point) override {
    std::size_t at = step_++;
    if (at < path_.size()) {
      Node& node = path_[at];
      if (node.options == point.options && node.kind == point.kind) return node.choice;
      path_.resize(at);  // the scenario did not repeat itself: explore afresh from here
    }
    Node node;
    node.kind = point.kind;
    node.options = point.options;
    node.running = point.running;
    node.preemptions_before = preemptions_so_far();
    if (point.fibers) node.fibers.assign(point.fibers, point.fibers + point.options);
    if (point.pending) node.pending.assign(point.pending, point.pending + point.options);
    node.sleep = inherited_sleep();
    node.choice = first_awake(node, default_choice(point));
    node.explored.push_back(node.choice);
    path_.push_back(std::move(node));
    return path_.back().choice;
  }

  void end_run(const Schedule&) override {
    ++runs_;
    path_.resize(std::min(path_.size(), step_));
    while (!path_.empty()) {
      if (advance(path_.back())) return;
      path_.pop_back();
    }
    exhausted_ = true;
  }

  bool exhausted() const override { return exhausted_; }

 private:
  struct Node {
    DecisionKind kind = DecisionKind::Schedule;
    std::size_t options = 0;
    int running = -1;
    std::size_t choice = 0;
    std::size_t preemptions_before = 0;
    std::vector<std::size_t> fibers;   // candidates (Schedule decisions)
    std::vector<PendingOp> pending;    // their next operations
    std::vector<Asleep> sleep;         // fibers not to run here (already covered)
    std::vector<std::size_t> explored; // choices taken at this node so far
  };

  static bool is_preemption(const Node& node, std::size_t choice) {
    return node.kind == DecisionKind::Schedule && node.running >= 0 &&
           choice != static_cast<std::size_t>(node.running);
  }

  std::size_t preemptions_so_far() const {
    if (path_.empty()) return 0;
    const Node& last = path_.back();
    return last.preemptions_before + (is_preemption(last, last.choice) ? 1 : 0);
  }

  static bool asleep(const Node& node, std::size_t choice) {
    if (node.kind != DecisionKind::Schedule || node.fibers.empty()) return false;
    std::size_t fiber = node.fibers[choice];
    return std::any_of(node.sleep.begin(), node.sleep.end(),
                       [&](const Asleep& s) { return s.fiber == fiber; });
  }

  // The default if it is awake, else the first awake candidate (else the default: the
  // whole branch is covered elsewhere, but the run still has to finish).
  static std::size_t first_awake(const Node& node, std::size_t preferred) {
    if (!asleep(node, preferred)) return preferred;
    for (std::size_t i = 0; i < node.options; ++i)
      if (!asleep(node, i)) return i;
    return preferred;
  }

  // The sleep set of a new node: the parent's sleepers and already explored siblings,
  // minus those that conflict with the step the parent chose.
  std::vector<Asleep> inherited_sleep() const {
    if (path_.empty()) return {};
    const Node& parent = path_.back();
    if (parent.kind != DecisionKind::Schedule || parent.fibers.empty()) return parent.sleep;
    std::vector<Asleep> candidates = parent.sleep;
    for (std::size_t e : parent.explored)
      if (e != parent.choice) candidates.push_back({parent.fibers[e], parent.pending[e]});
    std::size_t ran = parent.fibers[parent.choice];
    const PendingOp& step = parent.pending[parent.choice];
    std::vector<Asleep> out;
    for (const Asleep& s : candidates)
      if (s.fiber != ran && independent(s.op, step)) out.push_back(s);
    return out;
  }

  // Alternatives in order: the running fiber (default) first, then 0, 1, ... n-1.
  static std::size_t at_order(const Node& node, std::size_t order) {
    if (node.kind == DecisionKind::Schedule && node.running >= 0) {
      auto r = static_cast<std::size_t>(node.running);
      if (order == 0) return r;
      return order - 1 < r ? order - 1 : order;
    }
    return order;
  }

  bool advance(Node& node) {
    for (std::size_t order = 0; order < node.options; ++order) {
      std::size_t alt = at_order(node, order);
      if (std::find(node.explored.begin(), node.explored.end(), alt) != node.explored.end()) continue;
      if (asleep(node, alt)) continue;
      if (node.preemptions_before + (is_preemption(node, alt) ? 1 : 0) > bound_) continue;
      node.choice = alt;
      node.explored.push_back(alt);
      return true;
    }
    return false;
  }

  std::size_t bound_;
  std::size_t max_schedules_;
  std::vector<Node> path_;
  std::size_t step_ = 0;
  std::size_t runs_ = 0;
  bool exhausted_ = false;
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(int max_preemptions, std::size_t max_schedules) {
  return std::make_unique<DfsStrategy>(max_preemptions, max_schedules);
}

}  // namespace weft::check
