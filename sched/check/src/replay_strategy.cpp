// Replay: follows a recorded schedule choice by choice and reports where the run stopped
// matching it.
#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

const char* kind_name(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::Schedule: return "a scheduling choice";
    case DecisionKind::Waiter: return "a waiter choice";
    case DecisionKind::SpuriousWakeup: return "a spurious wake-up choice";
    case DecisionKind::CasFailure: return "a compare-exchange choice";
    case DecisionKind::Data: return "a data choice";
  }
  return "a choice";
}

class ReplayStrategy final : public Strategy {
 public:
  ReplayStrategy(Schedule schedule, bool then_default)
      : schedule_(std::move(schedule)), then_default_(then_default) {}
  std::string name() const override { return "replay"; }

  bool begin_run(std::size_t iteration) override {
    step_ = 0;
    divergence_.clear();
    return iteration == 0;
  }

  bool uses_pending() const override { return false; }
  std::size_t decide(const DecisionPoint& point) override {
    std::size_t at = step_++;
    if (!divergence_.empty()) return default_choice(point);
    if (at >= schedule_.decisions.size()) {
      if (!then_default_)
        diverge(at, std::string("expected ") + kind_name(point.kind) + " (the run's next decision), got " +
                        "the end of the schedule (" + std::to_string(schedule_.decisions.size()) +
                        " decisions)");
      return default_choice(point);
    }
    const Decision& d = schedule_.decisions[at];
    if (d.kind != point.kind) {
      diverge(at, std::string("expected ") + kind_name(point.kind) + " (the run's next decision), got " +
                      kind_name(d.kind));
      return default_choice(point);
    }
    if (d.choice >= point.options) {
      diverge(at, std::string("expected ") + kind_name(point.kind) + " among " +
                      std::to_string(point.options) + " options (0.." + std::to_string(point.options - 1) +
                      "), got option " + std::to_string(d.choice));
      return default_choice(point);
    }
    return d.choice;
  }

  void end_run(const Schedule& made) override {
    if (divergence_.empty() && !then_default_ && made.decisions.size() < schedule_.decisions.size())
      diverge(made.decisions.size(), "expected decision " + std::to_string(made.decisions.size()) +
                                         " of the schedule's " + std::to_string(schedule_.decisions.size()) +
                                         ", got the end of the run");
  }

  std::string divergence() const override { return divergence_; }

 private:
  void diverge(std::size_t at, std::string why) {
    if (divergence_.empty()) divergence_ = "diverged at step " + std::to_string(at) + ": " + why;
  }
  Schedule schedule_;
  bool then_default_;
  std::size_t step_ = 0;
  std::string divergence_;
};

}  // namespace

std::unique_ptr<Strategy> make_replay_strategy(Schedule schedule, bool then_default) {
  return std::make_unique<ReplayStrategy>(std::move(schedule), then_default);
}

}  // namespace weft::check
