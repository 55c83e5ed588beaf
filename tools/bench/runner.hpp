// Running cases and reporting them: medians, alternation, child processes, table, JSON.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "bench.hpp"

namespace weft::bench {

// Median and spread of one side's measurements.
struct Stats {
  double median = 0;
  double min = 0;
  double max = 0;
};

// Precondition: `values` is not empty. The median of an even count is the mean of the
// middle two.
Stats summarise(std::vector<double> values);

// One line of the report: weft against one peer on one quantity.
struct Row {
  std::string quantity;   // the case name, `<case>_rss` for an isolated case's RSS, or an extra quantity
  std::string unit;
  Better better = Better::Lower;
  Stats weft;
  std::string peer;
  std::optional<Stats> peer_stats;   // empty when the peer was skipped
  std::string skipped;               // why the peer did not run
  int runs = 0;

  // How many times better weft is than the peer: peer/weft when lower is better,
  // weft/peer when higher is better (> 1: weft better). Empty when skipped.
  std::optional<double> ratio() const;
};

// Measures every side of `c` `runs` times, alternating weft and the peers run by run
// (A B A B ...) after one unmeasured warm-up of each in-process side (unless the case
// asks for none), and returns one row per peer (two for an isolated case), then one per
// peer reporting each of the case's extra quantities. Throws Failure when a measurement
// went wrong, reported other extra quantities than its side promises, or when weft
// itself cannot run. A case unavailable here gets no rows and a note on stderr.
std::vector<Row> run_case(const Case& c, const Options& options, int runs);

// The body of a child process (`--child CASE KEY`): measures side KEY of `c` once and
// writes its figures (the value, then NAME=VALUE per extra quantity) or the skip reason
// to stdout. Returns the process exit status.
int run_child(const Case& c, const std::string& key, const Options& options);

// The readable report: case, weft median (min..max), peer, peer median (min..max), ratio.
void print_table(std::ostream& out, const std::vector<Row>& rows);
// One JSON object on one line.
void print_json(std::ostream& out, const Row& row);

}  // namespace weft::bench
