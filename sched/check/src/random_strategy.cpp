// Random: every choice uniformly at random, seeded per run.
#include "rng.hpp"
#include "weft/check/strategy.hpp"

namespace weft::check {

namespace {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed) {}
  std::string name() const override { return "random"; }
  bool begin_run(std::size_t iteration) override {
    rng_ = detail::Rng(detail::run_seed(seed_, iteration));
    return true;
  }
  bool uses_pending() const override { return false; }
  std::size_t decide(const DecisionPoint& point) override { return rng_.below(point.options); }

 private:
  std::uint64_t seed_;
  detail::Rng rng_;
};

}  // namespace

std::unique_ptr<Strategy> make_random_strategy(std::uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

std::size_t default_choice(const DecisionPoint& point) noexcept {
  if (point.kind == DecisionKind::Schedule && point.running >= 0)
    return static_cast<std::size_t>(point.running);
  return 0;
}

}  // namespace weft::check
