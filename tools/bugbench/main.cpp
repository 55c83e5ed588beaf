// weft-bugbench: how fast the checker finds each classic bug of the scenario catalogue,
// and whether each fixed twin passes its budget. See docs/checker.md.
#include <cstdio>
#include <exception>
#include <vector>

#include "bugbench.hpp"

int main(int argc, char** argv) {
  using namespace weft::bugbench;
  std::optional<Settings> settings;
  try {
    settings = parse_arguments(argc, argv);
  } catch (const BadArguments& bad) {
    std::fprintf(stderr, "weft-bugbench: %s\n%s", bad.message.c_str(), kUsage);
    return 2;
  }
  if (!settings) {
    std::printf("%s", kUsage);
    return 0;
  }
  std::vector<const weft::check::Scenario*> bugs = bugs_matching(settings->filter);
  if (bugs.empty()) {
    std::fprintf(stderr, "weft-bugbench: no must-fail scenario matches '%s'\n", settings->filter.c_str());
    return 2;
  }
  try {
    print_header(*settings);
    std::vector<Row> rows;
    for (const weft::check::Scenario* bug : bugs) {
      rows.push_back(measure(*bug, *settings));
      print_row(rows.back(), *settings);
    }
    return print_summary(rows, *settings) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weft-bugbench: %s\n", e.what());
    return 2;
  }
}
