// weft-bench's small framework: a case measures one quantity on weft and on each peer;
// the runner alternates the sides run by run and reports medians with their spread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::bench {

// What every measurement may read from the command line.
struct Options {
  bool quick = false;   // --quick: small sizes for a smoke test
};

// Thrown by a side that cannot run on this machine or build. The runner reports the
// side as "skipped (reason)" instead of dropping it.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown when a measurement computed a wrong result: weft-bench reports it and exits 1.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Why the Boost.Fiber peers skip in a build without Boost.Fiber.
inline constexpr const char* kNoBoostFiber = "Boost.Fiber was not found at build time";

enum class Better { Lower, Higher };

// A quantity that some sides of a case measure besides the case's own (e.g. epoll_wait
// calls per request); it gets rows of its own, named `name`.
struct Quantity {
  std::string name;   // a word: letters, digits, '_'
  std::string unit;
  Better better = Better::Lower;
};

// What one measurement of a side found: the value of the case's quantity and those of
// the extra quantities the side reports (by Quantity::name).
struct Figures {
  Figures(double v) : value(v) {}   // implicit: most sides measure the case's quantity only
  Figures(double v, std::map<std::string, double> more) : value(v), extra(std::move(more)) {}
  double value = 0;
  std::map<std::string, double> extra;
};

// One contender of a case.
struct Side {
  std::string key;    // short id, used to address the side in a child process
  std::string name;   // shown in reports: what it is and how it ran
  // Runs one measurement and returns its value in the case's unit (and the extra
  // quantities the side reports). Throws Skip when the side cannot run here, Failure (or
  // any exception) when it went wrong.
  std::function<Figures(const Options&)> measure;
  // Extra environment ("NAME=value") of this side's child processes (isolated cases).
  std::vector<std::string> env = {};
  // The names of the case's extra quantities this side reports in every measurement.
  std::vector<std::string> reports = {};
};

struct Case {
  std::string name;
  std::string unit;
  Better better = Better::Lower;
  std::string about;   // one line for --list
  // Run every measurement in a fresh process (re-executing this program) and report the
  // child's peak RSS as a second row, `<name>_rss` in MB, lower is better.
  bool isolate = false;
  // Measure once unmeasured before the runs (in-process cases only): a side that starts
  // fresh processes of its own has nothing to warm.
  bool warm_up = true;
  // Quantities some sides report besides `name`: one row per peer that reports it too.
  std::vector<Quantity> extra = {};
  // Why no side can run on this machine (a tool every side needs is missing), or empty.
  // The runner then skips the whole case with that note instead of measuring.
  std::function<std::string()> unavailable_here = {};
  Side weft;
  std::vector<Side> peers;
};

// The cases, in the order they run by default.
Case yield_case();
Case spawn_join_case();
Case skynet_case();
Case chan_pingpong_0_case();
Case chan_pingpong_1_case();
Case mutex_contended_case();
Case chan_throughput_case();
Case mutex_contended_2w_case();
Case chan_throughput_2w_case();
Case check_throughput_case();
Case check_throughput_10_case();
// Several workers (case_workers.cpp).
Case skynet_2w_case();
Case xworker_pingpong_case();
Case parallel_cpu_case();
Case parallel_cpu_pinned_case();
Case idle_cpu_case();
// The I/O cases need the demo programs (echo_server, echo_load, http_hello): WEFT_BENCH_IO_DEMOS.
Case echo_case();
Case http_case();

// ---- helpers for cases --------------------------------------------------------------

using Clock = std::chrono::steady_clock;

inline double elapsed_ns(Clock::time_point since) {
  return std::chrono::duration<double, std::nano>(Clock::now() - since).count();
}

// Makes the compiler assume `value` is read, so computing it cannot be optimised away.
template <class T>
inline void keep(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// True when a shared object whose file name contains `fragment` is loaded.
bool shared_object_loaded(const char* fragment);

// "boost.fiber round_robin, <how> (Boost 1.74, shared lib)": the peer, its scheduling
// algorithm, how it ran, its version, and whether it is a shared library (which costs it
// __tls_get_addr calls).
std::string boost_fiber_label(const std::string& how, const std::string& algorithm = "round_robin");

// MemAvailable from /proc/meminfo in MB (0 when unknown).
std::uint64_t available_memory_mb();

}  // namespace weft::bench
