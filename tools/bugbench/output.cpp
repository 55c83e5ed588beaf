// The table of weft-bugbench (or JSON Lines with --json) and its summary line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <variant>

#include "bugbench.hpp"

namespace weft::bugbench {

namespace {

const char* strategy_name(const check::StrategySpec& spec) {
  if (std::holds_alternative<check::Random>(spec)) return "random";
  if (std::holds_alternative<check::Pct>(spec)) return "pct";
  if (std::holds_alternative<check::Dfs>(spec)) return "dfs";
  return "portfolio";
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// A bug not found counts as slower than every found one.
double median_time_to_failure(const std::vector<Row>& rows) {
  std::vector<double> times;
  for (const Row& r : rows)
    times.push_back(r.found ? r.milliseconds : std::numeric_limits<double>::infinity());
  if (times.empty()) return 0;
  std::sort(times.begin(), times.end());
  std::size_t mid = times.size() / 2;
  return times.size() % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
}

}  // namespace

void print_header(const Settings& s) {
  if (s.json) return;
  std::printf("weft-bugbench: strategy %s, seed %llu, %zu schedules per bug, %zu per fixed twin\n\n",
              strategy_name(s.strategy), static_cast<unsigned long long>(s.seed), s.iterations,
              s.twin_iterations);
  std::printf("%-27s %-5s %9s %9s  %-17s %-20s | %-33s %-6s %9s %9s\n", "bug", "found", "schedules",
              "ms", "failure", "found by", "fixed twin", "passed", "schedules", "ms");
  std::fflush(stdout);
}

void print_row(const Row& r, const Settings& s) {
  if (s.json) {
    std::printf(
        "{\"bug\": %s, \"found\": %s, \"schedules\": %zu, \"ms\": %.3f, \"failure\": %s, "
        "\"found_by\": %s, \"replays\": %s, \"twin\": %s, \"twin_passed\": %s, "
        "\"twin_schedules\": %zu, \"twin_ms\": %.3f, \"twin_failure\": %s}\n",
        json_string(r.bug).c_str(), r.found ? "true" : "false", r.schedules, r.milliseconds,
        json_string(r.kind).c_str(), json_string(r.member).c_str(), r.replays ? "true" : "false",
        json_string(r.twin).c_str(), r.twin_passed ? "true" : "false", r.twin_schedules,
        r.twin_milliseconds, json_string(r.twin_failure).c_str());
  } else {
    std::printf("%-27s %-5s %9zu %9.2f  %-17s %-20s | ", r.bug.c_str(), yes_no(r.found), r.schedules,
                r.milliseconds, r.kind.c_str(), r.member.c_str());
    if (r.twin.empty())
      std::printf("%-33s\n", "(none)");
    else
      std::printf("%-33s %-6s %9zu %9.2f%s\n", r.twin.c_str(), yes_no(r.twin_passed), r.twin_schedules,
                  r.twin_milliseconds, r.twin_passed ? "" : ("  " + r.twin_failure).c_str());
    if (r.found && !r.replays)
      std::fprintf(stderr, "weft-bugbench: %s: the failing schedule did not fail the same way again\n",
                   r.bug.c_str());
  }
  if (!r.twin_passed && !r.twin_report.empty()) std::fprintf(stderr, "%s", r.twin_report.c_str());
  std::fflush(stdout);
}

bool print_summary(const std::vector<Row>& rows, const Settings& s) {
  std::size_t found = 0, replayed = 0, twins = 0, false_positives = 0;
  std::map<std::string, int> by_member;
  for (const Row& r : rows) {
    if (r.found) {
      ++found;
      ++by_member[r.member];
    }
    replayed += r.replays;
    if (!r.twin.empty()) {
      ++twins;
      false_positives += !r.twin_passed;
    }
  }
  double median = median_time_to_failure(rows);
  bool ok = found == rows.size() && replayed == found && false_positives == 0;
  if (s.json) {
    std::printf("{\"summary\": {\"bugs\": %zu, \"found\": %zu, \"replayed\": %zu, \"median_ms\": %s, "
                "\"twins\": %zu, \"false_positives\": %zu}}\n",
                rows.size(), found, replayed, std::isinf(median) ? "null" : std::to_string(median).c_str(),
                twins, false_positives);
    return ok;
  }
  std::printf("\nfound %zu/%zu (%zu replayed), median time to first failure ", found, rows.size(), replayed);
  if (std::isinf(median))
    std::printf("not reached (most bugs not found)");
  else
    std::printf("%.2f ms", median);
  std::printf(", false positives %zu/%zu fixed twins\n", false_positives, twins);
  std::printf("found by:");
  const char* separator = " ";
  for (const auto& [member, count] : by_member) {
    std::printf("%s%s %d", separator, member.c_str(), count);
    separator = ", ";
  }
  std::printf("%s\n", by_member.empty() ? " nobody" : "");
  return ok;
}

}  // namespace weft::bugbench
