// What the network demos share: their command line (numbers range-checked, a usage
// message and exit status 2 on bad input), the reactor chosen by name, and a signalfd
// that turns SIGINT and SIGTERM into readiness a fiber can wait for.
#pragma once

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

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

}  // namespace demo
