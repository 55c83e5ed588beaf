// echo_server: a fiber per connection echoes every byte back (the source material's
// thread-pool echo server, section 12.7, with fibers instead of threads).
//
//   echo_server [--address 127.0.0.1] [--port 15000] [--max-connections 1000]
//               [--reactor epoll|poll|select] [--idle-timeout SECONDS]
//
// Listens on loopback unless told otherwise (port 0: the kernel picks one; the first line
// printed says which). SIGINT or SIGTERM stop it cleanly: it stops accepting, cancels the
// open connections (each closes its socket), and prints its totals. A connection over
// the limit is closed at once and counted; out of fds (EMFILE), it backs off and keeps
// serving the connections it has.
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <weft/weft.hpp>

#include "net_demo.hpp"

using namespace std::chrono_literals;

namespace {

struct Flags {
  std::string address = "127.0.0.1";
  unsigned port = 15000;
  unsigned max_connections = 1000;
  std::string reactor = "epoll";
  unsigned idle_timeout_s = 60;
};

constexpr demo::Cli kCli{"echo_server", "[--address IP] [--port N] [--max-connections N] [--reactor epoll|poll|select] [--idle-timeout SECONDS]"};

Flags parse(int argc, char** argv) {
  Flags f;
  kCli.each_flag(
      argc, argv,
      [&](std::string_view flag, const char* value) {
        if (flag == "--address") f.address = value;
        else if (flag == "--port") f.port = kCli.number(flag, value, 0, 65535);
        else if (flag == "--max-connections") f.max_connections = kCli.number(flag, value, 1, 1000000);
        else if (flag == "--reactor") f.reactor = value;
        else if (flag == "--idle-timeout") f.idle_timeout_s = kCli.number(flag, value, 1, 86400);
        else return false;
        return true;
      });
  return f;
}

// Atomic: the connections' fibers run on every worker at once.
struct Totals {
  std::atomic<std::uint64_t> accepted = 0;
  std::atomic<std::uint64_t> refused = 0;  // over the connection limit
  std::atomic<std::uint64_t> bytes = 0;
  std::atomic<std::uint64_t> idle_closed = 0;
  std::atomic<std::uint64_t> failed = 0;  // ended by an error (reset by the peer, ...)
};

// Echoes one connection until the peer ends it, it stays idle too long, or stop.
void serve(weft::TcpStream connection, std::chrono::seconds idle_timeout, Totals& totals) {
  std::vector<std::byte> buffer(16384);  // on the heap: fiber stacks are small
  try {
    while (std::size_t n = connection.read(buffer, idle_timeout)) {
      connection.write_all(std::span(buffer).first(n), idle_timeout);  // backpressure: waits for room
      totals.bytes += n;
    }
  } catch (const std::system_error& e) {
    ++(e.code() == std::errc::timed_out ? totals.idle_closed : totals.failed);
  }
}


}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not end the server
  weft::RuntimeOptions options = kCli.runtime_options(flags.reactor);
  weft::FileDescriptor signals(demo::stop_signals_fd());

  Totals totals;
  int status = 0;
  weft::run(
      [&] {
        weft::TcpListener listener;
        if (!kCli.listen(listener, flags.address, flags.port)) {
          status = 1;
          return;
        }
        std::printf("echo_server: listening on %s (reactor %s, at most %u connections)\n",
                    listener.local_address().to_string().c_str(), flags.reactor.c_str(), flags.max_connections);
        std::fflush(stdout);

        demo::Acceptor acceptor;
        acceptor.start(
            listener,
            [&](const weft::TcpStream&) {
              ++totals.accepted;
              if (static_cast<unsigned>(acceptor.open_connections()) < flags.max_connections) return true;
              ++totals.refused;
              return false;
            },
            [&](weft::TcpStream c) { serve(std::move(c), std::chrono::seconds(flags.idle_timeout_s), totals); });

        signals.wait_readable();  // SIGINT or SIGTERM
        std::printf("echo_server: stopping: %td open connections\n", acceptor.open_connections());
        acceptor.stop();
        const weft::sched::IoStats io = weft::sched::Scheduler::current()->reactor().stats();
        std::printf("echo_server: reactor %s: %llu waits, %llu control calls, %llu readiness wake-ups\n",
                    flags.reactor.c_str(), static_cast<unsigned long long>(io.waits),
                    static_cast<unsigned long long>(io.control_calls), static_cast<unsigned long long>(io.readiness));
      },
      std::move(options));
  std::printf("echo_server: %llu connections (%llu refused over the limit, %llu closed idle, %llu failed), "
              "%llu bytes echoed\n",
              static_cast<unsigned long long>(totals.accepted), static_cast<unsigned long long>(totals.refused),
              static_cast<unsigned long long>(totals.idle_closed), static_cast<unsigned long long>(totals.failed),
              static_cast<unsigned long long>(totals.bytes));
  return status;
}
