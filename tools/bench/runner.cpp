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
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>

extern char** environ;

namespace weft::bench {

namespace {

// Exit statuses of a child process besides 0 (the value is on stdout).
constexpr int kChildSkipped = 3;   // stdout holds the reason
constexpr int kChildFailed = 4;    // stderr holds the reason

// One measurement: the figures, and the peak RSS in MB when measured in a child.
struct Sample {
  Figures figures;
  double rss_mb = 0;
};

struct Contender {
  const Side* side;
  std::vector<double> values;
  std::vector<double> rss_mb;
  std::map<std::string, std::vector<double>> extra;   // by Quantity::name
  std::string skipped;
};

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// A child's figures on one line: the value, then "NAME=VALUE" per extra quantity.
std::string format_figures(const Figures& figures) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", figures.value);
  std::string line = number;
  for (const auto& [name, value] : figures.extra) {
    std::snprintf(number, sizeof number, "%.17g", value);
    line += " " + name + "=" + number;
  }
  return line;
}

double parse_number(const std::string& who, const std::string& text, const std::string& word) {
  char* end = nullptr;
  const double value = std::strtod(word.c_str(), &end);
  if (word.empty() || *end != '\0')
    throw Failure(who + ": child process printed '" + text + "', not figures");
  return value;
}

Figures parse_figures(const std::string& who, const std::string& text) {
  std::istringstream words(text);
  std::string word;
  words >> word;
  Figures figures(parse_number(who, text, word));
  while (words >> word) {
    const std::size_t equals = word.find('=');
    if (equals == std::string::npos)
      throw Failure(who + ": child process printed '" + text + "', not figures");
    figures.extra[word.substr(0, equals)] = parse_number(who, text, word.substr(equals + 1));
  }
  return figures;
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
  // ru_maxrss is in KiB on Linux; report MB (10^6 bytes).
  return {parse_figures(who, text), static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6};
}

Sample measure(const Case& c, const Side& side, const Options& options) {
  Sample sample = c.isolate ? measure_in_child(c, side, options) : Sample{side.measure(options), 0};
  // Each row of an extra quantity needs a value from every run of the sides it compares.
  std::vector<std::string> reported;
  for (const auto& entry : sample.figures.extra) reported.push_back(entry.first);
  std::vector<std::string> promised = side.reports;
  std::sort(promised.begin(), promised.end());
  if (reported != promised) {
    std::string names;
    for (const std::string& name : reported) names += " " + name;
    throw Failure(c.name + " / " + side.name + ": reported the extra quantities {" + names +
                  " }, not the ones it promises");
  }
  return sample;
}

bool reports(const Side& side, const std::string& quantity) {
  return std::find(side.reports.begin(), side.reports.end(), quantity) != side.reports.end();
}

std::vector<Row> make_rows(const Case& c, const std::vector<Contender>& sides, int runs) {
  const Contender& weft = sides.front();
  std::vector<Row> rows;
  // A row per peer that has the quantity (`series` of a contender: its values of it).
  auto add = [&](const Quantity& quantity, auto series, auto has_it) {
    for (std::size_t i = 1; i < sides.size(); ++i) {
      if (!has_it(*sides[i].side)) continue;
      Row row;
      row.quantity = quantity.name;
      row.unit = quantity.unit;
      row.better = quantity.better;
      row.weft = summarise(series(weft));
      row.peer = sides[i].side->name;
      row.runs = runs;
      if (sides[i].skipped.empty())
        row.peer_stats = summarise(series(sides[i]));
      else
        row.skipped = sides[i].skipped;
      rows.push_back(std::move(row));
    }
  };
  auto every_peer = [](const Side&) { return true; };
  add({c.name, c.unit, c.better}, [](const Contender& s) { return s.values; }, every_peer);
  if (c.isolate)
    add({c.name + "_rss", "MB", Better::Lower}, [](const Contender& s) { return s.rss_mb; }, every_peer);
  for (const Quantity& quantity : c.extra) {
    if (!reports(*weft.side, quantity.name))
      throw std::logic_error(c.name + ": weft does not report its extra quantity " + quantity.name);
    add(quantity, [&](const Contender& s) { return s.extra.at(quantity.name); },
        [&](const Side& side) { return reports(side, quantity.name); });
  }
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
  if (c.unavailable_here) {
    if (const std::string why = c.unavailable_here(); !why.empty()) {
      std::cerr << "weft-bench: " << c.name << ": skipped: " << why << "\n";
      return {};
    }
  }
  std::vector<Contender> sides;
  sides.push_back({&c.weft, {}, {}, {}, {}});
  for (const Side& peer : c.peers) sides.push_back({&peer, {}, {}, {}, {}});

  auto sample = [&](Contender& side, bool record) {
    if (!side.skipped.empty()) return;
    try {
      Sample s = measure(c, *side.side, options);
      if (!record) return;
      side.values.push_back(s.figures.value);
      side.rss_mb.push_back(s.rss_mb);
      for (const auto& [name, value] : s.figures.extra) side.extra[name].push_back(value);
    } catch (const Skip& skip) {
      if (&side == &sides.front())
        throw Failure(c.name + ": weft cannot run here: " + skip.what());
      side.skipped = skip.what();
      side.values.clear();
      side.rss_mb.clear();
      side.extra.clear();
    }
  };

  // A warm-up touches code, stacks and pools once; a fresh process has nothing to warm.
  if (!c.isolate && c.warm_up)
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
    std::printf("%s\n", format_figures(side->measure(options)).c_str());
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
