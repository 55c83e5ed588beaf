// Portfolio (the default): runs take turns between PCT with depth 3, random, PCT with
// depth 2 and preemption-bounded DFS. Studies of concurrency-bug benchmarks (SCTBench,
// Thomson et al., TOPC 2016) found PCT d=3 best overall while random and systematic
// bounding each found bugs the others missed.
#include <vector>

#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

class PortfolioStrategy final : public Strategy {
 public:
  explicit PortfolioStrategy(std::uint64_t seed) {
    members_.push_back({make_pct_strategy(seed, 3), 0});
    members_.push_back({make_random_strategy(seed + 1), 0});
    members_.push_back({make_pct_strategy(seed + 2, 2), 0});
    members_.push_back({make_dfs_strategy(2, ~std::size_t{0}), 0});
  }

  std::string name() const override {
    return "portfolio/" + members_[current_].strategy->name();
  }

  bool begin_run(std::size_t iteration) override {
    for (std::size_t tries = 0; tries < members_.size(); ++tries) {
      current_ = (iteration + tries) % members_.size();
      Member& m = members_[current_];
      if (m.strategy->begin_run(m.runs)) return true;
    }
    return false;  // only happens when every member is exhausted
  }

  std::size_t decide(const DecisionPoint& point) override {
    return members_[current_].strategy->decide(point);
  }

  void end_run(const Schedule& decisions) override {
    Member& m = members_[current_];
    m.strategy->end_run(decisions);
    ++m.runs;
  }

 private:
  struct Member {
    std::unique_ptr<Strategy> strategy;
    std::size_t runs;
  };
  std::vector<Member> members_;
  std::size_t current_ = 0;
};

}  // namespace

std::unique_ptr<Strategy> make_portfolio_strategy(std::uint64_t seed) {
  return std::make_unique<PortfolioStrategy>(seed);
}

}  // namespace weft::check
