// Child programs with their stdout on a pipe, read and reaped against deadlines.
#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

extern char** environ;

namespace weft::bench {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string name_of(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

// Ours, with `extra` added and replacing ours of the same names.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env = extra;
  for (char** e = environ; *e; ++e) {
    const std::string name = name_of(*e);
    const bool replaced = std::any_of(extra.begin(), extra.end(),
                                      [&](const std::string& x) { return name_of(x) == name; });
    if (!replaced) env.emplace_back(*e);
  }
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// A spawned process inherits the affinity of the thread that spawns it: this thread's
// is `cpu` alone while the object lives, then what it was.
class PinnedForSpawn {
 public:
  explicit PinnedForSpawn(std::optional<int> cpu) {
    if (!cpu) return;
    if (::sched_getaffinity(0, sizeof saved_, &saved_) != 0) throw_errno("sched_getaffinity");
    cpu_set_t only;
    CPU_ZERO(&only);
    CPU_SET(*cpu, &only);
    if (::sched_setaffinity(0, sizeof only, &only) != 0) throw_errno("sched_setaffinity CPU " + std::to_string(*cpu));
    pinned_ = true;
  }
  ~PinnedForSpawn() {
    if (pinned_) ::sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinnedForSpawn(const PinnedForSpawn&) = delete;
  PinnedForSpawn& operator=(const PinnedForSpawn&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

}  // namespace

std::string built_program(const std::string& path, const std::string& target) {
  if (::access(path.c_str(), X_OK) != 0) throw Skip(path + " is not built (ninja -C <build dir> " + target + ")");
  return path;
}

std::string line_with(const std::string& who, const std::string& output, const std::string& fragment) {
  const std::size_t at = output.find(fragment);
  if (at == std::string::npos) throw Failure(who + " did not print '" + fragment + "'; it printed: '" + output + "'");
  const std::size_t begin = output.rfind('\n', at);
  const std::size_t start = begin == std::string::npos ? 0 : begin + 1;
  return output.substr(start, output.find('\n', at) - start);
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) throw_errno("sched_getaffinity");
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

Process::Process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                 std::optional<int> cpu)
    : who_(argv.at(0)) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);   // dup2 clears CLOEXEC

  std::vector<std::string> args = argv;
  std::vector<std::string> envs = environment_with(env);
  const PinnedForSpawn pinned(cpu);
  const int rc = ::posix_spawnp(&pid_, args[0].c_str(), &actions, nullptr, pointers(args).data(),
                                pointers(envs).data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    pid_ = -1;
    if (rc == ENOENT) throw Skip(argv[0] + " does not exist");
    throw std::system_error(rc, std::generic_category(), "cannot start " + argv[0]);
  }
  stdout_ = out[0];
  who_ += " (pid " + std::to_string(pid_) + ")";
}

Process::~Process() {
  kill_and_reap();
  if (stdout_ >= 0) ::close(stdout_);
}

void Process::kill_and_reap() noexcept {
  if (pid_ < 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

bool Process::read_some(Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      kill_and_reap();
      throw Failure(who_ + " did not finish in time; it printed: '" + output_ + "'");
    }
    pollfd p{stdout_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) throw_errno("poll");
    if (ready <= 0) continue;
    char block[4096];
    const ssize_t n = ::read(stdout_, block, sizeof block);
    if (n > 0) {
      output_.append(block, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno != EINTR) throw_errno("read");
  }
}

std::string Process::read_line(Deadline deadline) {
  for (;;) {
    const std::size_t end = output_.find('\n', line_start_);
    if (end != std::string::npos) {
      std::string line = output_.substr(line_start_, end - line_start_);
      line_start_ = end + 1;
      return line;
    }
    if (!read_some(deadline)) {
      const int status = finish(deadline);
      throw Failure(who_ + " exited with status " + std::to_string(status) +
                    " before printing a whole line; it printed: '" + output_ + "'");
    }
  }
}

int Process::finish(Deadline deadline) {
  if (pid_ < 0) throw Failure(who_ + " has been reaped already");
  while (read_some(deadline)) {
  }
  // The output ended, so the process is exiting: wait for that within the deadline too.
  for (;;) {
    int status = 0;
    rusage usage{};
    const pid_t reaped = ::wait4(pid_, &status, WNOHANG, &usage);
    if (reaped == pid_) {
      pid_ = -1;
      auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
      user_cpu_seconds_ = seconds(usage.ru_utime);
      cpu_seconds_ = user_cpu_seconds_ + seconds(usage.ru_stime);
      peak_rss_mb_ = static_cast<double>(usage.ru_maxrss) * 1024.0 / 1e6;   // ru_maxrss is in KiB
      return exit_status(status);
    }
    if (reaped < 0 && errno != EINTR) throw_errno("waitpid");
    if (Clock::now() >= deadline) {
      kill_and_reap();
      throw Failure(who_ + " closed its output but did not exit in time");
    }
    ::usleep(1000);
  }
}

int Process::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) throw Failure(who_ + " has been reaped already");
  ::kill(pid_, SIGTERM);
  return finish(after(grace));
}

std::string listening_address(Process& server, Deadline deadline) {
  const std::string marker = "listening on ";
  for (;;) {
    const std::string line = server.read_line(deadline);
    const std::size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    const std::size_t begin = at + marker.size();
    return line.substr(begin, line.find(' ', begin) - begin);
  }
}

Placement placement() {
  const std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) return {};
  return {cpus[0], cpus[1]};
}

}  // namespace weft::bench
