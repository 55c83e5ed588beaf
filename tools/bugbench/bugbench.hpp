// weft-bugbench: the benchmark of classic concurrency bugs. For every must-fail scenario
// of the catalogue (tools/scenarios/) it measures how fast the checker finds the bug,
// and checks that the fixed twin (`<name>_fixed`) passes its whole budget.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "weft/check.hpp"

namespace weft::bugbench {

struct Settings {
  std::size_t iterations = 10000;        // schedules per bug
  std::size_t twin_iterations = 10000;   // schedules per fixed twin
  std::uint64_t seed = 1;
  std::string filter;                    // only bugs whose name contains it
  check::StrategySpec strategy = check::Portfolio{};
  bool json = false;
};

// A command line that cannot be used; the message names the flag.
struct BadArguments {
  std::string message;
};
// Parses the command line (throws BadArguments); nullopt for --help.
std::optional<Settings> parse_arguments(int argc, char** argv);
extern const char* const kUsage;

// What one bug and its twin measured.
struct Row {
  std::string bug;
  bool found = false;
  std::size_t schedules = 0;       // to the first failure (or run in all, when not found)
  double milliseconds = 0;         // to the first failure (or the whole budget)
  std::string kind;                // the failure kind, "-" when not found
  std::string member;              // the strategy (portfolio member) that found it
  bool replays = false;            // the failing schedule fails the same way again, with one trace
  std::string twin;                // empty: the bug has no fixed twin
  bool twin_passed = false;
  std::size_t twin_schedules = 0;
  double twin_milliseconds = 0;
  std::string twin_failure;        // the twin's failure kind, if it failed
  std::string twin_report;         // the twin's full failure report, if it failed
};

// The must-fail scenarios whose names contain `filter`, in the catalogue's (name) order.
std::vector<const check::Scenario*> bugs_matching(const std::string& filter);
// Explores one bug, then its twin.
Row measure(const check::Scenario& bug, const Settings& settings);

// Output: a header, one line per row as it is measured, a summary. Text or JSON Lines.
void print_header(const Settings& settings);
void print_row(const Row& row, const Settings& settings);
// Prints the summary; returns true when every bug was found (and replays) and every twin passed.
bool print_summary(const std::vector<Row>& rows, const Settings& settings);

}  // namespace weft::bugbench
