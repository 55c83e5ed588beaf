// weft-bench's runner: one row per peer, extra quantities in rows of their own for the
// peers that report them, skipped peers kept, promises about extras checked, warm-up.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "runner.hpp"

using weft::bench::Better;
using weft::bench::Case;
using weft::bench::Failure;
using weft::bench::Figures;
using weft::bench::Options;
using weft::bench::Row;
using weft::bench::Skip;

namespace {

// A case whose weft side counts up from 10 and reports `calls` = 2 per measurement.
Case counting_case(int& weft_calls) {
  Case c;
  c.name = "counting";
  c.unit = "ops/s";
  c.better = Better::Higher;
  c.extra = {{"counting_calls", "calls/op", Better::Lower}};
  c.weft = {"weft", "weft side", [&weft_calls](const Options&) {
              ++weft_calls;
              return Figures(10.0 + weft_calls, {{"counting_calls", 2.0}});
            }, {}, {"counting_calls"}};
  c.peers.push_back({"reports", "peer that reports calls",
                     [](const Options&) { return Figures(5.0, {{"counting_calls", 4.0}}); }, {},
                     {"counting_calls"}});
  c.peers.push_back({"plain", "peer without calls", [](const Options&) { return Figures(20.0); }});
  return c;
}

std::vector<const Row*> rows_of(const std::vector<Row>& rows, const std::string& quantity) {
  std::vector<const Row*> out;
  for (const Row& r : rows)
    if (r.quantity == quantity) out.push_back(&r);
  return out;
}

}  // namespace

TEST_CASE("bench runner: an extra quantity gets a row per peer that reports it", "[bench]") {
  int weft_calls = 0;
  const std::vector<Row> rows = run_case(counting_case(weft_calls), Options{}, 3);

  const auto main_rows = rows_of(rows, "counting");
  REQUIRE(main_rows.size() == 2);
  CHECK(main_rows[0]->weft.median == 13.0);   // 12, 13, 14 after the warm-up's 11
  CHECK(main_rows[1]->peer == "peer without calls");
  CHECK(*main_rows[1]->ratio() == Approx(13.0 / 20.0));

  const auto extra_rows = rows_of(rows, "counting_calls");
  REQUIRE(extra_rows.size() == 1);
  const Row& calls = *extra_rows[0];
  CHECK(calls.peer == "peer that reports calls");
  CHECK(calls.unit == "calls/op");
  CHECK(calls.weft.median == 2.0);
  REQUIRE(calls.peer_stats);
  CHECK(calls.peer_stats->median == 4.0);
  CHECK(*calls.ratio() == Approx(2.0));   // lower is better: peer / weft
}

TEST_CASE("bench runner: a skipped peer keeps its rows, extra ones too, marked skipped", "[bench]") {
  int weft_calls = 0;
  Case c = counting_case(weft_calls);
  c.peers[0].measure = [](const Options&) -> Figures { throw Skip("not installed"); };
  const std::vector<Row> rows = run_case(c, Options{}, 2);
  const auto extra_rows = rows_of(rows, "counting_calls");
  REQUIRE(extra_rows.size() == 1);
  CHECK_FALSE(extra_rows[0]->peer_stats);
  CHECK(extra_rows[0]->skipped == "not installed");
  CHECK_FALSE(extra_rows[0]->ratio());
}

TEST_CASE("bench runner: a side must report exactly the extra quantities it promises", "[bench]") {
  int weft_calls = 0;
  Case c = counting_case(weft_calls);
  SECTION("one missing") {
    c.peers[0].measure = [](const Options&) { return Figures(5.0); };
  }
  SECTION("one it did not promise") {
    c.peers[1].measure = [](const Options&) { return Figures(5.0, {{"counting_calls", 1.0}}); };
  }
  CHECK_THROWS_AS(run_case(c, Options{}, 1), Failure);
}

TEST_CASE("bench runner: a case without warm-up measures each side once per run", "[bench]") {
  int weft_calls = 0;
  Case c = counting_case(weft_calls);
  run_case(c, Options{}, 3);
  CHECK(weft_calls == 4);   // the warm-up and three runs
  weft_calls = 0;
  c.warm_up = false;
  const std::vector<Row> rows = run_case(c, Options{}, 3);
  CHECK(weft_calls == 3);
  CHECK(rows_of(rows, "counting")[0]->weft.min == 11.0);   // the first measurement counts
}

TEST_CASE("bench report: small values keep two significant digits", "[bench]") {
  Row row;
  row.quantity = "q";
  row.unit = "calls/request";
  row.weft = {0.00052, 0.00051, 0.00053};
  row.peer = "p";
  row.peer_stats = weft::bench::Stats{0.25, 0.25, 0.25};
  row.runs = 1;
  std::ostringstream table;
  weft::bench::print_table(table, {row});
  CHECK(table.str().find("0.00052 (0.00051..0.00053)") != std::string::npos);
  CHECK(table.str().find("0.25 (0.25..0.25)") != std::string::npos);
}

TEST_CASE("bench runner: a case unavailable here measures nothing and has no rows", "[bench]") {
  int weft_calls = 0;
  Case c = counting_case(weft_calls);
  c.unavailable_here = [] { return std::string("the load tool is missing"); };
  CHECK(run_case(c, Options{}, 2).empty());
  CHECK(weft_calls == 0);
  c.unavailable_here = [] { return std::string(); };
  CHECK(run_case(c, Options{}, 2).size() == 3);
}
