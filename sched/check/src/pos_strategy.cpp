// POS, partial-order sampling (Yuan, Yang and Gu, CAV 2018): every pending event (the
// next operation of a ready fiber) holds a random priority and the highest one runs.
// After an event runs, only the pending events that race with it (same object, not two
// loads) draw new priorities; the others keep theirs. An event with a low priority
// therefore waits while the rest of the program moves on, which lets one fiber get far
// ahead of another without the fixed change points PCT needs, and orderings of
// independent events are not sampled over and over as a random walk does.
//
// A fiber's event is new when it reaches a schedule point (it ran) or when it becomes
// ready again after blocking or starting; events whose operation is not known yet (a
// fiber that was just woken or spawned) keep their priority until they run.
#include <vector>

#include "rng.hpp"
#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

constexpr std::size_t kNever = ~std::size_t{0};  // kNever + 1 is no decision's number

class PosStrategy final : public Strategy {
 public:
  explicit PosStrategy(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "pos"; }

  bool begin_run(std::size_t iteration) override {
    rng_ = detail::Rng(detail::run_seed(seed_, iteration));
    priority_.clear();
    seen_at_.clear();
    decisions_ = 0;
    has_last_ = false;
    return true;
  }

  std::size_t decide(const DecisionPoint& point) override {
    if (point.kind != DecisionKind::Schedule || point.fibers == nullptr) return rng_.below(point.options);
    const std::size_t now = ++decisions_;
    std::size_t top = 0;
    std::uint64_t best = 0;
    for (std::size_t i = 0; i < point.options; ++i) {
      const std::size_t fiber = point.fibers[i];
      grow_to(fiber);
      const bool ran = static_cast<int>(i) == point.running;
      const bool fresh = ran || seen_at_[fiber] + 1 != now;  // reached a new event, or ready again
      if (fresh || races_with_last(point.pending[i])) priority_[fiber] = rng_.next();
      seen_at_[fiber] = now;
      if (i == 0 || priority_[fiber] > best) {
        best = priority_[fiber];
        top = i;
      }
    }
    last_ = point.pending[top];
    has_last_ = true;
    return top;
  }

 private:
  bool races_with_last(const PendingOp& op) const {
    return has_last_ && op.known && last_.known && !independent(op, last_);
  }
  void grow_to(std::size_t fiber) {
    if (fiber < priority_.size()) return;
    priority_.resize(fiber + 1, 0);
    seen_at_.resize(fiber + 1, kNever);
  }

  std::uint64_t seed_;
  detail::Rng rng_;
  std::vector<std::uint64_t> priority_;  // by fiber number: its pending event's priority
  std::vector<std::size_t> seen_at_;     // by fiber number: the last decision it was ready at
  std::size_t decisions_ = 0;
  PendingOp last_;  // the event chosen at the previous decision (it has run since)
  bool has_last_ = false;
};

}  // namespace

std::unique_ptr<Strategy> make_pos_strategy(std::uint64_t seed) {
  return std::make_unique<PosStrategy>(seed);
}

}  // namespace weft::check
