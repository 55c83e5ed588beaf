// PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): fibers get
// random distinct priorities, the highest-priority ready fiber always runs, and at d-1
// random steps the running fiber drops to a low priority. A bug of depth d is found
// with probability at least 1/(n k^(d-1)) per run. Only decisions with more than one
// ready fiber count as steps; k is estimated from the previous runs.
#include <algorithm>
#include <unordered_map>
#include <vector>

#include "rng.hpp"
#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth) : seed_(seed), depth_(std::max(1, depth)) {}
  std::string name() const override { return "pct(d=" + std::to_string(depth_) + ")"; }

  bool begin_run(std::size_t iteration) override {
    rng_ = detail::Rng(detail::run_seed(seed_, iteration));
    priorities_.clear();
    change_points_.clear();
    steps_ = 0;
    std::size_t k = std::max<std::size_t>(estimated_steps_, 1);
    for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(k));
    return true;
  }

  bool uses_pending() const override { return false; }
  std::size_t decide(const DecisionPoint& point) override {
    if (point.kind != DecisionKind::Schedule || point.fibers == nullptr) return rng_.below(point.options);
    ++steps_;
    for (std::size_t i = 0; i < change_points_.size(); ++i) {
      if (change_points_[i] != steps_) continue;
      // Demote the fiber that would run now below every initial priority.
      std::size_t top = best(point);
      priorities_[point.fibers[top]] = static_cast<std::uint64_t>(i) + 1;
    }
    return best(point);
  }

  void end_run(const Schedule& decisions) override {
    std::size_t schedule_steps = 0;
    for (const Decision& d : decisions.decisions)
      if (d.kind == DecisionKind::Schedule) ++schedule_steps;
    estimated_steps_ = std::max(estimated_steps_, schedule_steps);
  }

 private:
  std::uint64_t priority(std::size_t fiber) {
    auto [it, fresh] = priorities_.try_emplace(fiber, 0);
    if (fresh) it->second = static_cast<std::uint64_t>(depth_) + 1 + (rng_.next() >> 8);
    return it->second;
  }
  std::size_t best(const DecisionPoint& point) {
    std::size_t top = 0;
    for (std::size_t i = 1; i < point.options; ++i)
      if (priority(point.fibers[i]) > priority(point.fibers[top])) top = i;
    return top;
  }

  std::uint64_t seed_;
  int depth_;
  detail::Rng rng_;
  std::unordered_map<std::size_t, std::uint64_t> priorities_;
  std::vector<std::size_t> change_points_;
  std::size_t steps_ = 0;
  std::size_t estimated_steps_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_pct_strategy(std::uint64_t seed, int depth) {
  return std::make_unique<PctStrategy>(seed, depth);
}

}  // namespace weft::check
