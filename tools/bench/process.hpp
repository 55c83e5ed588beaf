// Programs the I/O cases start: servers and load generators in processes of their own,
// every wait on them bounded in time, none left running when a measurement ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "bench.hpp"

namespace weft::bench {

using Deadline = Clock::time_point;

inline Deadline after(std::chrono::milliseconds span) { return Clock::now() + span; }

class Process {
 public:
  // Starts `argv[0]` (a path, or a name looked up in PATH) with `argv`, our environment
  // plus `env` ("NAME=value", replacing ours of that name), on CPU `cpu` only when given
  // (it and its children). Its stdout comes to us through a pipe; its stderr is ours.
  // Throws Skip when the program does not exist.
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
          std::optional<int> cpu = std::nullopt);
  // Kills a process still running (SIGKILL) and reaps it.
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // The next line of its stdout, without the newline. Throws Failure when the output
  // ends first or the deadline passes.
  std::string read_line(Deadline deadline);

  // Reads its stdout to the end and reaps it; returns its exit status (128 + the signal
  // when a signal ended it). At the deadline: SIGKILL, reap, Failure.
  int finish(Deadline deadline);

  // SIGTERM, then finish() within `grace`; a process that ignores it is killed (Failure).
  int stop(std::chrono::milliseconds grace);

  // Everything it wrote to stdout so far (read_line's lines included).
  const std::string& output() const { return output_; }
  // "NAME (pid N)", for messages.
  const std::string& who() const { return who_; }
  // CPU seconds it used (all its threads), in total and in user space; known once
  // finish() reaped it.
  double cpu_seconds() const { return cpu_seconds_; }
  double user_cpu_seconds() const { return user_cpu_seconds_; }
  // Its peak RSS in MB (10^6 bytes), its reaped children's included; known once finish()
  // reaped it. It starts from our own peak at the time of the spawn (the child shares our
  // memory until it execs): a caller that wants the child's alone resets ours first.
  double peak_rss_mb() const { return peak_rss_mb_; }

 private:
  // Reads what is available before `deadline`; false at the end of the output.
  bool read_some(Deadline deadline);
  void kill_and_reap() noexcept;

  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string output_;
  std::size_t line_start_ = 0;   // where read_line goes on
  std::string who_;
  double cpu_seconds_ = 0;
  double user_cpu_seconds_ = 0;
  double peak_rss_mb_ = 0;
};

// `path`, a program of this build, or Skip naming the ninja `target` when it is not built.
std::string built_program(const std::string& path, const std::string& target);

// The line of `output` that contains `fragment`, or Failure naming `who`.
std::string line_with(const std::string& who, const std::string& output, const std::string& fragment);

// The CPUs this process may run on, in order.
std::vector<int> allowed_cpus();

// Where the I/O cases put a server and its load generator: on two different CPUs where
// there are two, so every server gets one whole CPU (a single-threaded peer could not
// use more; a runtime with helper threads, like Go's, then cannot either). Unpinned
// with one CPU.
struct Placement {
  std::optional<int> server;
  std::optional<int> load;
};
Placement placement();

// The servers of the I/O cases print "... listening on ADDRESS ..." first: reads lines
// until that one and returns ADDRESS (IP:PORT). Throws Failure when none comes in time.
std::string listening_address(Process& server, Deadline deadline);

}  // namespace weft::bench
