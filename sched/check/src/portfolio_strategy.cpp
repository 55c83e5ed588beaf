// Portfolio (the default): runs take turns between PCT with depth 3, random, POS, PCT with
// depth 2 and preemption-bounded DFS. Studies of concurrency-bug benchmarks (SCTBench,
// Thomson et al., TOPC 2016) found PCT d=3 best overall while random and systematic
// bounding each found bugs the others missed; POS (Yuan et al., CAV 2018) finds what
// needs one fiber far ahead of the others plus one preemption at one point.
//
// The turns follow what the runs have shown of the program. PCT hits a given step with
// probability about 1/k per change point, k the steps of a run, so on long runs (a
// hundred fibers make a few thousand steps) it rarely helps; POS does not depend on k.
// Once a run has been that long, every other run is POS's. The turns depend only on the
// runs before, in order, so a seed always gives the same runs.
#include <algorithm>
#include <array>
#include <vector>

#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

enum MemberId : std::size_t { kPct3, kRandom, kPos, kPct2, kDfs, kMembers };

// One round of turns for short runs, and one for long runs.
constexpr std::array<MemberId, 5> kShortRound{kPct3, kRandom, kPos, kPct2, kDfs};
constexpr std::array<MemberId, 8> kLongRound{kPos, kPct3, kPos, kRandom, kPos, kPct2, kPos, kDfs};
// Decisions in one run from which PCT's change points are spread too thin.
constexpr std::size_t kLongRun = 256;

class PortfolioStrategy final : public Strategy {
 public:
  explicit PortfolioStrategy(std::uint64_t seed) {
    members_[kPct3].strategy = make_pct_strategy(seed, 3);
    members_[kRandom].strategy = make_random_strategy(seed + 1);
    members_[kPos].strategy = make_pos_strategy(seed + 3);
    members_[kPct2].strategy = make_pct_strategy(seed + 2, 2);
    members_[kDfs].strategy = make_dfs_strategy(2, ~std::size_t{0});
  }

  std::string name() const override { return "portfolio/" + members_[current_].strategy->name(); }

  bool begin_run(std::size_t) override {
    // A member that has nothing left (DFS exhausted) gives its turn to the next one.
    for (std::size_t tries = 0; tries < kLongRound.size(); ++tries) {
      current_ = next_turn();
      Member& m = members_[current_];
      if (m.strategy->begin_run(m.runs)) return true;
    }
    return false;  // only happens when every member is exhausted
  }

  std::size_t decide(const DecisionPoint& point) override { return members_[current_].strategy->decide(point); }
  bool uses_pending() const override { return members_[current_].strategy->uses_pending(); }

  void end_run(const Schedule& decisions) override {
    Member& m = members_[current_];
    m.strategy->end_run(decisions);
    ++m.runs;
    longest_run_ = std::max(longest_run_, decisions.decisions.size());
  }

 private:
  std::size_t next_turn() {
    std::size_t turn = turns_++;
    if (longest_run_ >= kLongRun) return kLongRound[turn % kLongRound.size()];
    return kShortRound[turn % kShortRound.size()];
  }

  struct Member {
    std::unique_ptr<Strategy> strategy;
    std::size_t runs = 0;
  };
  std::array<Member, kMembers> members_;
  std::size_t current_ = 0;
  std::size_t turns_ = 0;
  std::size_t longest_run_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed) {
  return std::make_unique<PortfolioStrategy>(seed);
}

}  // namespace weft::check
