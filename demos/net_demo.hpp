// What the network demos share: their command line (numbers range-checked, a usage
// message and exit status 2 on bad input), the reactor chosen by name, a signalfd that
// turns SIGINT and SIGTERM into readiness a fiber can wait for, and the accept loop of
// a server with a fiber per connection.
#pragma once

#include <signal.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <weft/weft.hpp>

namespace demo {

struct Cli {
  const char* program;
  const char* usage_line;  // the flags, after the program's name

  [[noreturn]] void fail(const std::string& problem) const {
    std::fprintf(stderr, "%s: %s\nusage: %s %s\n", program, problem.c_str(), program, usage_line);
    std::exit(2);
  }

  unsigned number(std::string_view flag, const char* text, unsigned low, unsigned high) const {
    char* end = nullptr;
    errno = 0;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || *text == '-' || value < low || value > high)
      fail(std::string(flag) + " wants a number from " + std::to_string(low) + " to " + std::to_string(high) +
           ", not '" + text + "'");
    return static_cast<unsigned>(value);
  }

  // Walks the command line's "--flag value" pairs (`switches`: flags without a value,
  // given a null value): `take(flag, value)` returns false for a flag it does not know.
  template <class Take>
  void each_flag(int argc, char** argv, Take take, std::initializer_list<std::string_view> switches = {}) const {
    for (int i = 1; i < argc; ++i) {
      const std::string_view flag = argv[i];
      const bool is_switch = std::find(switches.begin(), switches.end(), flag) != switches.end();
      if (!is_switch && i + 1 >= argc) fail("missing value for " + std::string(flag));
      const char* value = is_switch ? nullptr : argv[++i];
      if (!take(flag, value)) fail("unknown flag " + std::string(flag));
    }
  }

  // Binds `listener` to address:port (see bind_listener below); on failure says why
  // on stderr and returns false.
  bool listen(weft::TcpListener& listener, const std::string& address, unsigned port) const;

  // Runtime options with the reactor named `reactor` (epoll, poll or select).
  weft::RuntimeOptions runtime_options(const std::string& reactor) const {
    try {
      weft::sched::make_reactor(reactor);
    } catch (const weft::UsageError& e) {
      fail(e.what());
    }
    weft::RuntimeOptions options;
    options.reactor = [reactor] { return weft::sched::make_reactor(reactor); };
    return options;
  }
};

// A signalfd for SIGINT and SIGTERM, blocked for the process so that they arrive only
// there; -1 if it cannot be made.
inline int stop_signals_fd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) return -1;
  return ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
}

// A TCP listener on `address` (an IPv4 or IPv6 literal, never resolved) and `port`.
inline weft::TcpListener bind_listener(const std::string& address, unsigned port) {
  const std::string host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
  return weft::TcpListener::bind(weft::SocketAddress::parse(host + ":" + std::to_string(port)));
}

inline bool Cli::listen(weft::TcpListener& listener, const std::string& address, unsigned port) const {
  try {
    listener = bind_listener(address, port);
    return true;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return false;
  }
}

// Accepts connections in a fiber and serves each in a fiber of its own, until stop().
// Out of fds (EMFILE), accepting backs off and the open connections go on.
class Acceptor {
 public:
  // `admit(connection)` false closes the connection at once (e.g. over a limit);
  // `serve(connection)` runs in the connection's fiber and is cancelled by stop().
  template <class Admit, class Serve>
  void start(weft::TcpListener& listener, Admit admit, Serve serve) {
    fiber_ = weft::spawn([this, &listener, admit, serve]() mutable {
      weft::CancelOnStop cancel_on_stop(stop_.get_token());
      for (;;) {
        weft::TcpStream connection;
        try {
          connection = listener.accept();
        } catch (const std::system_error& e) {
          if (e.code() != std::errc::too_many_files_open && e.code() != std::errc::too_many_files_open_in_system)
            throw;
          weft::this_fiber::sleep_for(std::chrono::milliseconds(50));  // back off, keep serving
          continue;
        }
        if (!admit(connection)) continue;  // closed when `connection` goes
        open_.add();
        weft::spawn([this, serve, c = std::move(connection)]() mutable {
          {
            weft::CancelOnStop cancel(stop_.get_token());
            try {
              serve(std::move(c));
            } catch (const weft::Cancelled&) {
            }
          }
          open_.done();
        }).detach();
      }
    });
  }

  std::ptrdiff_t open_connections() const noexcept { return open_.count(); }

  // Stops accepting, cancels the open connections and waits until they have ended.
  void stop() {
    stop_.request_stop();
    try {
      fiber_.join();
    } catch (const weft::Cancelled&) {
    }
    open_.wait();
  }

 private:
  weft::StopSource stop_;
  weft::WaitGroup open_;
  weft::JoinHandle<void> fiber_;
};

}  // namespace demo
