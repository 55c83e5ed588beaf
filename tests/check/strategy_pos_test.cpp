// Partial-order sampling (POS) and the portfolio's turns, on the strategy interface and
// through explore().
#include <catch2/catch.hpp>

#include <array>
#include <set>
#include <vector>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/check/strategy.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using weft_test::quiet;

namespace {

// A small program of the strategy's world: each fiber does its operations in order
// (all on one object, so every pair of writes races); returns the fibers chosen.
std::vector<std::size_t> drive(check::Strategy& strategy, std::size_t iteration) {
  constexpr std::size_t kFibers = 5, kOps = 6;
  static int object = 0;
  std::array<std::size_t, kFibers> done{};
  REQUIRE(strategy.begin_run(iteration));
  std::vector<std::size_t> chosen;
  int running = -1;
  for (;;) {
    std::vector<std::size_t> fibers;
    std::vector<check::PendingOp> pending;
    int running_at = -1;
    for (std::size_t f = 0; f < kFibers; ++f) {
      if (done[f] == kOps) continue;
      if (static_cast<int>(f) == running) running_at = static_cast<int>(fibers.size());
      fibers.push_back(f);
      pending.push_back({f % 2 ? weft::sched::Op::Store : weft::sched::Op::Load, &object, true});
    }
    if (fibers.empty()) break;
    std::size_t pick = 0;
    if (fibers.size() > 1) {
      check::DecisionPoint point;
      point.options = fibers.size();
      point.fibers = fibers.data();
      point.pending = pending.data();
      point.running = running_at;
      point.step = chosen.size();
      pick = strategy.decide(point);
      REQUIRE(pick < fibers.size());
    }
    chosen.push_back(fibers[pick]);
    running = static_cast<int>(fibers[pick]);
    ++done[fibers[pick]];
  }
  return chosen;
}

// Ten readers check a published pair; the writer, spawned last, first does 40 steps of
// its own work, then publishes the pair in two steps. Random scheduling keeps all fibers
// at the same pace, so the readers are done before the writer gets to its two steps.
void late_writer() {
  check::Atomic<int> first{0}, second{0};
  std::array<check::Shared<int>, 40> scratch;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < 10; ++i)
    fibers.push_back(weft::spawn([&] {
      int a = first.load();
      WEFT_ASSERT(second.load() == a);
    }));
  fibers.push_back(weft::spawn([&] {
    for (auto& s : scratch) s.store(1);
    first.store(1);
    second.store(1);
  }));
  for (auto& f : fibers) f.join();
}

}  // namespace

TEST_CASE("POS makes the same choices for the same seed and run, others for others", "[checker]") {
  auto a = check::make_pos_strategy(7);
  auto b = check::make_pos_strategy(7);
  CHECK(drive(*a, 3) == drive(*b, 3));
  CHECK(drive(*a, 0) == drive(*b, 0));
  std::set<std::vector<std::size_t>> seen;
  for (std::size_t run = 0; run < 10; ++run) seen.insert(drive(*a, run));
  CHECK(seen.size() > 5);
  auto c = check::make_pos_strategy(8);
  CHECK(drive(*c, 3) != drive(*a, 3));
}

TEST_CASE("POS lets one fiber get far ahead where random scheduling does not", "[checker]") {
  auto random = check::explore(quiet(check::Random{}, 300), late_writer);
  CHECK(random.ok());
  auto pos = check::explore(quiet(check::Pos{}, 300), late_writer);
  REQUIRE_FALSE(pos.ok());
  CHECK(pos.kind == check::FailureKind::Assertion);
  CHECK(pos.strategy == "pos");
}

TEST_CASE("a failing POS schedule replays to the same failure", "[checker]") {
  auto pos = check::explore(quiet(check::Pos{}, 300), late_writer);
  REQUIRE_FALSE(pos.ok());
  for (const std::string& schedule : {pos.schedule, pos.shrunk_schedule}) {
    auto again = check::replay(schedule, late_writer);
    CHECK(again.kind == check::FailureKind::Assertion);
    std::string why;
    CHECK(check::deterministic(schedule, late_writer, &why));
    INFO(why);
  }
}

TEST_CASE("POS explores on several threads as on one", "[checker]") {
  auto one = quiet(check::Pos{}, 300);
  auto two = one;
  two.threads = 2;
  auto a = check::explore(one, late_writer);
  auto b = check::explore(two, late_writer);
  REQUIRE_FALSE(a.ok());
  CHECK(a.iteration == b.iteration);
  CHECK(a.schedule == b.schedule);
}

TEST_CASE("the portfolio takes turns, and gives POS every other run once runs are long", "[checker]") {
  auto portfolio = check::make_portfolio_strategy(7);
  auto run = [&](std::size_t iteration, std::size_t decisions) {
    REQUIRE(portfolio->begin_run(iteration));
    std::string name = portfolio->name();
    check::Schedule schedule;
    schedule.decisions.resize(decisions);
    portfolio->end_run(schedule);
    return name;
  };
  const std::vector<std::string> short_round{"portfolio/pct(d=3)", "portfolio/random", "portfolio/pos",
                                             "portfolio/pct(d=2)"};
  for (std::size_t i = 0; i < short_round.size(); ++i) CHECK(run(i, 10) == short_round[i]);
  CHECK(run(4, 300) == "portfolio/dfs(preemptions<=2)");  // a long run: the turns change
  std::size_t pos_turns = 0;
  for (std::size_t i = 5; i < 21; ++i) pos_turns += run(i, 300) == "portfolio/pos";
  CHECK(pos_turns >= 8);
}
