// weft-bench: side-by-side benchmarks of weft against Boost.Fiber and raw Boost.Context,
// of the interleaving checker against the raw work it explores, of weft's actors against
// CAF and Erlang, and of weft's servers against a hand-written epoll server and Go (each
// in processes of their own).
//
//   weft-bench --list                    names the cases
//   weft-bench [options] [CASE...]       runs some cases (default: all)
//     --runs N    measurements per side (default 5; report tables with at least 5)
//     --json      one JSON object per line per (case, peer) instead of the table
//     --quick     small sizes, for a smoke test
//
// Exit status: 0 done, 1 a measurement failed (e.g. a wrong result), 2 bad usage.
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "runner.hpp"

namespace weft::bench {
// The actor cases against CAF and Erlang, on 1 and 2 workers each (case_actors.cpp).
std::vector<Case> actor_cases();
}  // namespace weft::bench

namespace {

using namespace weft::bench;

constexpr int kDefaultRuns = 5;
constexpr int kReportableRuns = 5;

const char* const kUsage =
    "usage: weft-bench [--runs N] [--json] [--quick] [CASE...]\n"
    "       weft-bench --list\n";

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  cases.push_back(yield_case());
  cases.push_back(spawn_join_case());
  cases.push_back(skynet_case());
  cases.push_back(chan_pingpong_0_case());
  cases.push_back(chan_pingpong_1_case());
  cases.push_back(mutex_contended_case());
  cases.push_back(chan_throughput_case());
  cases.push_back(check_throughput_case());
  cases.push_back(check_throughput_10_case());
  cases.push_back(skynet_2w_case());
  cases.push_back(xworker_pingpong_case());
  cases.push_back(parallel_cpu_case());
  cases.push_back(parallel_cpu_pinned_case());
  cases.push_back(idle_cpu_case());
  cases.push_back(mutex_contended_2w_case());
  cases.push_back(chan_throughput_2w_case());
  for (Case& c : actor_cases()) cases.push_back(std::move(c));
#if WEFT_BENCH_IO_DEMOS
  cases.push_back(echo_case());
  cases.push_back(http_case());
#endif
  return cases;
}

// Cases this build cannot run, and why.
std::string unavailable(const std::string& name) {
#if !WEFT_BENCH_IO_DEMOS
  if (name == "echo" || name == "http") return "it needs the demo programs, and this build was configured with -Ddemos=disabled";
#endif
  (void)name;
  return "";
}

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "weft-bench: " << message << "\n" << kUsage;
  std::exit(2);
}

const Case& find_case(const std::vector<Case>& cases, const std::string& name) {
  for (const Case& c : cases)
    if (c.name == name) return c;
  if (const std::string why = unavailable(name); !why.empty())
    usage_error("case '" + name + "' cannot run: " + why);
  usage_error("unknown case '" + name + "' (--list names the cases)");
}

int parse_runs(const std::string& text) {
  char* end = nullptr;
  long n = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || n < 1 || n > 1000)
    usage_error("--runs wants a whole number from 1 to 1000, not '" + text + "'");
  return static_cast<int>(n);
}

void list(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    std::cout << c.name << "  (" << c.unit << (c.better == Better::Lower ? ", lower" : ", higher")
              << " is better" << (c.isolate ? "; also " + c.name + "_rss in MB" : "") << ")\n"
              << "    " << c.about << "\n"
              << "    weft: " << c.weft.name << "\n";
    for (const Side& peer : c.peers) std::cout << "    peer: " << peer.name << "\n";
    for (const Quantity& q : c.extra)
      std::cout << "    also " << q.name << " (" << q.unit
                << (q.better == Better::Lower ? ", lower" : ", higher") << " is better)\n";
  }
}

int run(int argc, char** argv) {
  const std::vector<Case> cases = all_cases();
  Options options;
  int runs = kDefaultRuns;
  bool json = false;
  bool list_only = false;
  std::vector<std::string> child;   // --child CASE KEY: one measurement in this process
  std::vector<const Case*> selected;

  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) usage_error(std::string(flag) + " needs a value");
      return argv[++i];
    };
    if (arg == "--list") {
      list_only = true;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--runs") {
      runs = parse_runs(value("--runs"));
    } else if (arg.rfind("--runs=", 0) == 0) {
      runs = parse_runs(arg.substr(7));
    } else if (arg == "--child") {
      child.push_back(value("--child"));
      child.push_back(value("--child"));
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      usage_error("unknown option '" + arg + "'");
    } else {
      selected.push_back(&find_case(cases, arg));
    }
  }

  if (!child.empty()) return run_child(find_case(cases, child[0]), child[1], options);
  if (list_only) {
    list(cases);
    return 0;
  }
  if (selected.empty())
    for (const Case& c : cases) selected.push_back(&c);
  if (runs < kReportableRuns)
    std::cerr << "weft-bench: " << runs << " run(s) per side: a smoke test; report figures from "
              << kReportableRuns << " runs or more\n";

  std::vector<Row> rows;
  for (const Case* c : selected) {
    for (Row& row : run_case(*c, options, runs)) {
      if (json) print_json(std::cout, row);
      rows.push_back(std::move(row));
    }
    std::cout.flush();
  }
  if (!json) print_table(std::cout, rows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Failure& failure) {
    std::cerr << "weft-bench: FAILED: " << failure.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "weft-bench: error: " << error.what() << "\n";
    return 1;
  }
}
