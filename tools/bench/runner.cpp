// Runs each case's sides in child processes, alternating, and collects their figures.
#include "runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <system_error>

extern char** environ;

namespace weft::bench {

namespace {

// Exit statuses of a child process besides 0 (the value is on stdout).
constexpr int kChildSkipped = 3;   // stdout holds the reason
constexpr int kChildFailed = 4;    // stderr holds the reason

// One measurement: the value, and the peak RSS in MB when measured in a child.
struct Sample {
  double value = 0;
  double rss_mb = 0;
};

struct Contender {
  const Side* side;
  std::vector<double> values;
  std::vector<double> rss_mb;
  std::string skipped;
};

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Runs `/proc/self/exe --child CASE KEY [--quick]`, collects its stdout and its rusage.
// Every measurement gets a fresh process, so one run's RSS peak cannot hide another's.
Sample measure_in_child(const Case& c, const Side& side, const Options& options) {
  // At exec the child's peak RSS starts from this process's peak (a vfork child shares
  // our memory until then): reset our peak to our current, small RSS first.
  if (int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC); fd >= 0) {
    [[maybe_unused]] ssize_t ignored = ::write(fd, "5", 1);
    ::close(fd);
  }
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);  // dup2 clears CLOEXEC

  std::vector<std::string> args = {"weft-bench", "--child", c.name, side.key};
  if (options.quick) args.push_back("--quick");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env = side.env;
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  envp.push_back(nullptr);

  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    throw std::system_error(rc, std::generic_category(), "posix_spawn /proc/self/exe");
  }

  std::string text;
  char buffer[256];
  for (;;) {
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(out[0]);

  int status = 0;
  struct rusage usage {};
  while (::wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) throw_errno("wait4");
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();

  const std::string who = c.name + " / " + side.name;
  if (WIFSIGNALED(status))
    throw Failure(who + ": child process killed by signal " + std::to_string(WTERMSIG(status)) +
                  " (" + strsignal(WTERMSIG(status)) + ")");
  int code = WEXITSTATUS(status);
  if (code == kChildSkipped) throw Skip(text);
  if (code != 0) throw Failure(who + ": child process exited with status " + std::to_string(code));
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0')
    throw Failure(who + ": child process printed '" + text + "', not a number");
  // ru_maxrss is in KiB on Linux; report MB (10^6 bytes).
  return {value, static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6};
}

Sample measure(const Case& c, const Side& side, const Options& options) {
  if (c.isolate) return measure_in_child(c, side, options);
  return {side.measure(options), 0};
}

std::vector<Row> make_rows(const Case& c, const std::vector<Contender>& sides, int runs) {
  const Contender& weft = sides.front();
  std::vector<Row> rows;
  auto add = [&](const std::string& quantity, const std::string& unit, Better better,
                 std::vector<double> Contender::*series) {
    for (std::size_t i = 1; i < sides.size(); ++i) {
      Row row;
      row.quantity = quantity;
      row.unit = unit;
      row.better = better;
      row.weft = summarise(weft.*series);
      row.peer = sides[i].side->name;
      row.runs = runs;
      if (sides[i].skipped.empty())
        row.peer_stats = summarise(sides[i].*series);
      else
        row.skipped = sides[i].skipped;
      rows.push_back(std::move(row));
    }
  };
  add(c.name, c.unit, c.better, &Contender::values);
  if (c.isolate) add(c.name + "_rss", "MB", Better::Lower, &Contender::rss_mb);
  return rows;
}

}  // namespace

Stats summarise(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  Stats s;
  s.min = values.front();
  s.max = values.back();
  s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return s;
}

std::optional<double> Row::ratio() const {
  if (!peer_stats || weft.median <= 0 || peer_stats->median <= 0) return std::nullopt;
  return better == Better::Lower ? peer_stats->median / weft.median
                                 : weft.median / peer_stats->median;
}

std::vector<Row> run_case(const Case& c, const Options& options, int runs) {
  std::vector<Contender> sides;
  sides.push_back({&c.weft, {}, {}, {}});
  for (const Side& peer : c.peers) sides.push_back({&peer, {}, {}, {}});

  auto sample = [&](Contender& side, bool record) {
    if (!side.skipped.empty()) return;
    try {
      Sample s = measure(c, *side.side, options);
      if (!record) return;
      side.values.push_back(s.value);
      side.rss_mb.push_back(s.rss_mb);
    } catch (const Skip& skip) {
      if (&side == &sides.front())
        throw Failure(c.name + ": weft cannot run here: " + skip.what());
      side.skipped = skip.what();
      side.values.clear();
      side.rss_mb.clear();
    }
  };

  // A warm-up touches code, stacks and pools once; a fresh process has nothing to warm.
  if (!c.isolate)
    for (Contender& side : sides) sample(side, false);
  for (int run = 0; run < runs; ++run) {
    std::cerr << "weft-bench: " << c.name << " run " << run + 1 << "/" << runs << "\n";
    for (Contender& side : sides) sample(side, true);
  }
  return make_rows(c, sides, runs);
}

int run_child(const Case& c, const std::string& key, const Options& options) {
  const Side* side = c.weft.key == key ? &c.weft : nullptr;
  for (const Side& peer : c.peers)
    if (peer.key == key) side = &peer;
  if (!side) {
    std::cerr << "weft-bench: case '" << c.name << "' has no side '" << key << "'\n";
    return 2;
  }
  try {
    double value = side->measure(options);
    std::printf("%.17g\n", value);
    return 0;
  } catch (const Skip& skip) {
    std::printf("%s\n", skip.what());
    return kChildSkipped;
  } catch (const std::exception& error) {
    std::cerr << "weft-bench: " << c.name << " / " << side->name << ": " << error.what() << "\n";
    return kChildFailed;
  }
}

}  // namespace weft::bench
