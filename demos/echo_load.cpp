// echo_load: a fiber-based load client for echo servers. C connections each send M
// messages of S bytes and check that every byte comes back, in order; prints requests/s,
// MB/s and latency percentiles, a progress line every second on long runs, and exits
// non-zero on any mismatch or error.
//
//   echo_load [--address 127.0.0.1:15000] [--connections 64] [--messages 1000] [--size 64]
//             [--reactor epoll|poll|select] [--server PATH]
//
// With --server it starts that echo server itself (on a free loopback port), runs the
// load against it, then stops it with SIGTERM and checks that it exits cleanly: the
// whole round trip of the demo tour, bounded in time.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <weft/weft.hpp>

#include "net_demo.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Flags {
  std::string address = "127.0.0.1:15000";
  unsigned connections = 64;
  unsigned messages = 1000;
  unsigned size = 64;
  std::string reactor = "epoll";
  std::string server;  // a server program to start, or empty
};

constexpr demo::Cli kCli{"echo_load", "[--address IP:PORT] [--connections N] [--messages N] [--size BYTES] [--reactor epoll|poll|select] [--server PATH]"};

Flags parse(int argc, char** argv) {
  Flags f;
  kCli.each_flag(
      argc, argv,
      [&](std::string_view flag, const char* value) {
        if (flag == "--address") f.address = value;
        else if (flag == "--connections") f.connections = kCli.number(flag, value, 1, 100000);
        else if (flag == "--messages") f.messages = kCli.number(flag, value, 1, 100000000);
        else if (flag == "--size") f.size = kCli.number(flag, value, 1, 1 << 20);
        else if (flag == "--reactor") f.reactor = value;
        else if (flag == "--server") f.server = value;
        else return false;
        return true;
      });
  return f;
}

// A server started by --server: its pid, the address it printed, its output.
struct Server {
  pid_t pid = -1;
  std::string address;
  int output = -1;
};

Server start_server(const std::string& program, const std::string& reactor) {
  int out[2];
  if (::pipe(out) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(program.c_str(), program.c_str(), "--port", "0", "--reactor", reactor.c_str(), nullptr);
    std::fprintf(stderr, "echo_load: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  // Its first line: "echo_server: listening on ADDRESS (...)".
  std::string line;
  char c;
  while (line.size() < 512 && ::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  std::printf("%s\n", line.c_str());
  const std::string marker = "listening on ";
  const std::size_t at = line.find(marker);
  if (pid < 0 || at == std::string::npos) throw std::runtime_error("the server did not start: '" + line + "'");
  const std::size_t begin = at + marker.size();
  return Server{pid, line.substr(begin, line.find(' ', begin) - begin), out[0]};
}

// SIGTERM, then show what the server says until it exits (its totals).
int stop_server(const Server& server) {
  ::kill(server.pid, SIGTERM);
  char block[512];
  ssize_t n;
  while ((n = ::read(server.output, block, sizeof block)) > 0) std::fwrite(block, 1, static_cast<std::size_t>(n), stdout);
  ::close(server.output);
  int status = 0;
  ::waitpid(server.pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Shared by the clients' fibers, which run on every worker at once.
struct Results {
  weft::Mutex lock;                  // guards latencies_us
  std::vector<double> latencies_us;  // each client adds its own when it ends
  std::atomic<std::uint64_t> done = 0;
  std::atomic<std::uint64_t> mismatches = 0;
  std::atomic<std::uint64_t> errors = 0;
};

// One connection: send a message, read it back whole, compare.
void client(const weft::SocketAddress& address, const Flags& flags, unsigned index, Results& results) {
  std::vector<double> latencies_us;
  latencies_us.reserve(flags.messages);
  try {
    weft::TcpStream s = weft::TcpStream::connect(address, 5s);
    s.set_nodelay(true);
    std::vector<std::byte> message(flags.size), reply(flags.size);
    for (unsigned m = 0; m < flags.messages; ++m) {
      for (unsigned i = 0; i < flags.size; ++i) message[i] = std::byte((index * 131 + m * 7 + i) & 0xff);
      const auto start = Clock::now();
      s.write_all(message, 10s);
      if (!s.read_exact(reply, 10s)) throw std::runtime_error("the server closed the connection");
      latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (reply != message) ++results.mismatches;
      ++results.done;
    }
  } catch (const std::exception& e) {
    if (results.errors++ == 0) std::fprintf(stderr, "echo_load: connection %u: %s\n", index, e.what());
  }
  std::lock_guard guard(results.lock);
  results.latencies_us.insert(results.latencies_us.end(), latencies_us.begin(), latencies_us.end());
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const std::size_t k = std::min(values.size() - 1, static_cast<std::size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = parse(argc, argv);
  weft::RuntimeOptions options = kCli.runtime_options(flags.reactor);
  Server server;
  if (!flags.server.empty()) {
    try {
      server = start_server(flags.server, flags.reactor);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "echo_load: %s\n", e.what());
      return 1;
    }
    flags.address = server.address;
  }
  weft::SocketAddress address;
  try {
    address = weft::SocketAddress::parse(flags.address);
  } catch (const weft::UsageError& e) {
    kCli.fail(e.what());
  }

  Results results;
  results.latencies_us.reserve(std::size_t{flags.connections} * flags.messages);
  const auto start = Clock::now();
  weft::run(
      [&] {
        std::vector<weft::JoinHandle<void>> clients;
        for (unsigned c = 0; c < flags.connections; ++c)
          clients.push_back(weft::spawn([&, c] { client(address, flags, c, results); }));
        weft::Ticker progress(1s);
        auto reporter = weft::spawn([&] {
          const std::uint64_t total = std::uint64_t{flags.connections} * flags.messages;
          while (progress.wait_tick() != 0) {
            std::printf("echo_load: %llu / %llu messages\n", static_cast<unsigned long long>(results.done),
                        static_cast<unsigned long long>(total));
            std::fflush(stdout);
          }
        });
        for (auto& c : clients) c.join();
        progress.stop();
        reporter.join();
      },
      std::move(options));
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  const double requests = static_cast<double>(results.done);
  std::printf("echo_load: %llu messages of %u bytes over %u connections in %.2f s: %.0f requests/s, %.1f MB/s, "
              "latency p50 %.0f us, p99 %.0f us\n",
              static_cast<unsigned long long>(results.done), flags.size, flags.connections, seconds,
              requests / seconds, requests * flags.size * 2 / seconds / 1e6, percentile(results.latencies_us, 0.50),
              percentile(results.latencies_us, 0.99));
  int status = 0;
  if (results.mismatches != 0 || results.errors != 0) {
    std::printf("echo_load: FAILED: %llu mismatched replies, %llu connection errors\n",
                static_cast<unsigned long long>(results.mismatches), static_cast<unsigned long long>(results.errors));
    status = 1;
  }
  if (server.pid > 0) {
    const int server_status = stop_server(server);
    std::printf("echo_load: the server exited with status %d\n", server_status);
    if (server_status != 0) status = 1;
  }
  return status;
}
