// Catch2 tests of the pipeline: plain runs, and the checker exploring its interleavings.
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>

#include "pipeline.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

TEST_CASE("the pipeline sums the squares") {
  CHECK(pipeline::run_sum_of_squares(100, 0) == 338350);
  CHECK(pipeline::run_sum_of_squares(100, 16) == 338350);
}

TEST_CASE("every explored schedule of the pipeline gives the same sum") {
  for (std::size_t capacity : {0, 1, 4}) {
    auto report = weft::check::explore(
        {.strategy = weft::check::Pct{.depth = 3}, .iterations = 300, .seed = 7}, [capacity] {
          WEFT_ASSERT(pipeline::sum_of_squares(6, capacity) == 91);
        });
    INFO("capacity " << capacity);
    REQUIRE(report.ok());  // on failure the report and a replayable schedule are printed
  }
}

TEST_CASE("the checker finds a lost update") {
  auto report = weft::check::explore(
      {.strategy = weft::check::Random{}, .iterations = 500, .seed = 7, .print_failure = false},
      [] {
        weft::check::Shared<int> hits{0};
        auto bump = [&] {
          int seen = hits.load();
          weft::this_fiber::yield();
          hits.store(seen + 1);
        };
        auto first = weft::spawn(bump);
        auto second = weft::spawn(bump);
        first.join();
        second.join();
        WEFT_ASSERT(hits.load() == 2);
      });
  REQUIRE_FALSE(report.ok());
  CHECK_FALSE(report.schedule.empty());
}
