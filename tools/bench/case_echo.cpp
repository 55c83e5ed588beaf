// echo: requests per second of echo servers on loopback, each driven by the same
// echo_load run (C connections, each sending M messages of S bytes and checking every
// byte that comes back). weft's echo_server on one worker against a hand-written
// single-threaded edge-triggered epoll server (peers/epoll_echo.cpp, the practical
// limit), a Go server with a goroutine per connection on one thread (peers/echo_server.go),
// and weft's own poll and select reactors. Every side runs in fresh processes: the
// server on one CPU, the load generator on another (see placement()).
//
// Extra rows: the server's CPU time per request (user + system of all its threads, from
// wait4), and its user-space part alone (the server's own code, not the kernel's); epoll_wait and epoll_ctl calls per request, of weft (its reactor counts
// them) and of the hand-written server (it counts its own).
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "bench.hpp"
#include "go_peer.hpp"
#include "process.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

using namespace std::chrono_literals;

// The same load for every side.
struct Load {
  unsigned connections;
  unsigned messages;   // per connection
  unsigned size;       // bytes per message
};

// A few seconds per run at the 150-200k requests/s of a release build here.
Load load(const Options& options) {
  return options.quick ? Load{8, 100, 64} : Load{64, 10000, 64};
}

constexpr auto kServerStartLimit = 10s;
constexpr auto kStopGrace = 5s;
constexpr auto kLoadLimit = 120s;
constexpr auto kQuickLoadLimit = 30s;

constexpr const char* kEpollWait = "echo_epoll_wait";
constexpr const char* kEpollCtl = "echo_epoll_ctl";
constexpr const char* kCpu = "echo_cpu";
constexpr const char* kUserCpu = "echo_user_cpu";

struct LoadResult {
  double requests_per_second = 0;
  double requests = 0;
};

// Runs echo_load against `address` and reads its summary line.
LoadResult run_load(const std::string& address, const Options& options, std::optional<int> cpu) {
  const Load l = load(options);
  Process client({built_program(WEFT_BENCH_ECHO_LOAD, "demos/echo_load"), "--address", address, "--connections",
                  std::to_string(l.connections), "--messages", std::to_string(l.messages), "--size",
                  std::to_string(l.size), "--reactor", "epoll"},
                 {kOneWorkerEnv}, cpu);
  const int status = client.finish(after(options.quick ? kQuickLoadLimit : kLoadLimit));
  if (status != 0)
    throw Failure("echo_load exited with status " + std::to_string(status) + "; it printed: '" + client.output() + "'");
  const std::string summary = line_with("echo_load", client.output(), " requests/s");
  unsigned long long messages = 0;
  double seconds = 0;
  double rate = 0;
  if (std::sscanf(summary.c_str(), "echo_load: %llu messages of %*u bytes over %*u connections in %lf s: %lf requests/s",
                  &messages, &seconds, &rate) != 3)
    throw Failure("cannot read echo_load's summary '" + summary + "'");
  const unsigned long long expected = 1ull * l.connections * l.messages;
  if (messages != expected)
    throw Failure("echo_load echoed " + std::to_string(messages) + " messages, not " + std::to_string(expected));
  return {rate, static_cast<double>(messages)};
}

// What a server printed, the load it carried and the CPU time it took.
struct Served {
  LoadResult load;
  std::string output;
  double cpu_seconds = 0;
  double user_cpu_seconds = 0;
  // The case's figures: requests/s, the CPU microseconds per request (all, and in user
  // space: the server's own code, without the kernel's), and `more`.
  Figures figures(std::map<std::string, double> more = {}) const {
    more[kCpu] = cpu_seconds * 1e6 / load.requests;
    more[kUserCpu] = user_cpu_seconds * 1e6 / load.requests;
    return {load.requests_per_second, std::move(more)};
  }
};

// Starts a server, loads it, stops it with SIGTERM (it must exit cleanly, in time).
Served serve(const std::vector<std::string>& server_argv, const std::vector<std::string>& env,
             const Options& options) {
  const Placement where = placement();
  Process server(server_argv, env, where.server);
  const std::string address = listening_address(server, after(kServerStartLimit));
  const LoadResult result = run_load(address, options, where.load);
  const int status = server.stop(kStopGrace);
  if (status != 0)
    throw Failure(server.who() + " exited with status " + std::to_string(status) + " after SIGTERM; it printed: '" +
                  server.output() + "'");
  return {result, server.output(), server.cpu_seconds(), server.user_cpu_seconds()};
}

// Calls per request from a count in a server's last words.
double per_request(unsigned long long calls, const LoadResult& load) {
  return static_cast<double>(calls) / load.requests;
}

Figures weft_echo_on(const std::string& reactor, const Options& options) {
  const Served s = serve({built_program(WEFT_BENCH_ECHO_SERVER, "demos/echo_server"), "--port", "0", "--reactor", reactor},
                         {kOneWorkerEnv}, options);
  if (reactor != "epoll") return s.figures();
  // "echo_server: reactor epoll: N waits, M control calls, K readiness wake-ups"
  const std::string counts = line_with("echo_server", s.output, "reactor epoll: ");
  unsigned long long waits = 0;
  unsigned long long controls = 0;
  if (std::sscanf(counts.c_str(), "echo_server: reactor epoll: %llu waits, %llu control calls", &waits, &controls) != 2)
    throw Failure("cannot read echo_server's reactor counts '" + counts + "'");
  return s.figures({{kEpollWait, per_request(waits, s.load)}, {kEpollCtl, per_request(controls, s.load)}});
}

Figures weft_echo(const Options& options) { return weft_echo_on("epoll", options); }
Figures weft_echo_poll(const Options& options) { return weft_echo_on("poll", options); }
Figures weft_echo_select(const Options& options) { return weft_echo_on("select", options); }

Figures epoll_echo(const Options& options) {
  const Served s = serve({built_program(WEFT_BENCH_EPOLL_ECHO, "tools/epoll_echo"), "--port", "0"}, {}, options);
  // "epoll_echo: C connections, B bytes echoed, N epoll_wait calls, M epoll_ctl calls"
  const std::string counts = line_with("epoll_echo", s.output, " epoll_wait calls");
  unsigned long long waits = 0;
  unsigned long long controls = 0;
  if (std::sscanf(counts.c_str(), "epoll_echo: %*u connections, %*u bytes echoed, %llu epoll_wait calls, %llu epoll_ctl calls",
                  &waits, &controls) != 2)
    throw Failure("cannot read epoll_echo's counts '" + counts + "'");
  return s.figures({{kEpollWait, per_request(waits, s.load)}, {kEpollCtl, per_request(controls, s.load)}});
}

Figures go_echo(const Options& options) {
  const std::string program = go_program(WEFT_BENCH_GO_ECHO_SOURCE, WEFT_BENCH_BUILD_DIR "/go_echo");
  return serve({program, "-address", "127.0.0.1:0"}, {"GOMAXPROCS=1"}, options).figures();
}

std::string weft_label(const std::string& reactor) {
  return "weft echo_server, " + reactor + " reactor (1 worker, a fiber per connection)";
}

}  // namespace

Case echo_case() {
  Case c;
  c.name = "echo";
  c.unit = "requests/s";
  c.better = Better::Higher;
  const Load l = load(Options{});
  c.about = "echo servers on loopback under one echo_load run each (" + std::to_string(l.connections) +
            " connections x " + std::to_string(l.messages) + " messages of " + std::to_string(l.size) +
            " bytes, every byte checked); server and load in fresh processes";
  c.warm_up = false;
  c.extra = {{kCpu, "us CPU/request", Better::Lower},
             {kUserCpu, "us user CPU/request", Better::Lower},
             {kEpollWait, "calls/request", Better::Lower},
             {kEpollCtl, "calls/request", Better::Lower}};
  c.weft = {"weft", weft_label("epoll"), weft_echo, {}, {kCpu, kUserCpu, kEpollWait, kEpollCtl}};
  c.peers.push_back({"epoll", "hand-written epoll server (C++, 1 thread, edge-triggered)", epoll_echo, {},
                     {kCpu, kUserCpu, kEpollWait, kEpollCtl}});
  c.peers.push_back({"go", "go echo server (goroutine per connection, GOMAXPROCS=1)", go_echo, {}, {kCpu, kUserCpu}});
  c.peers.push_back({"weft-poll", weft_label("poll"), weft_echo_poll, {}, {kCpu, kUserCpu}});
  c.peers.push_back({"weft-select", weft_label("select"), weft_echo_select, {}, {kCpu, kUserCpu}});
  return c;
}

}  // namespace weft::bench
