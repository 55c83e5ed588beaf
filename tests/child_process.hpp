// Test helper: run a piece of a test in a forked child process, capturing its output and
// how it ended. For behaviour that kills the process (stack overflow) and for scenarios
// that may corrupt memory, so that they cannot take the rest of the test binary down.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <exception>
#include <string>

#include <catch2/catch.hpp>

namespace weft_test {

struct ChildResult {
  int status = 0;   // as filled in by waitpid
  std::string out;  // the child's stdout
  std::string err;  // the child's stderr

  bool exited_ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }
  bool died_of_signal() const { return WIFSIGNALED(status); }
};

inline std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      return text;
    }
  }
}

// Runs body() in a forked child with stdout and stderr captured. The child exits 0 when
// body returns, 3 when it throws. Call only while the process has a single thread. The
// parent reads stdout to the end before stderr: keep the child's stdout under a pipe's
// capacity (64 KiB).
template <class Body>
ChildResult run_in_child(Body body) {
  int out_pipe[2], err_pipe[2];
  REQUIRE(::pipe(out_pipe) == 0);
  REQUIRE(::pipe(err_pipe) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_pipe[1], STDERR_FILENO);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    int code = 0;
    try {
      body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: uncaught exception: %s\n", e.what());
      code = 3;
    } catch (...) {
      std::fprintf(stderr, "child: uncaught exception\n");
      code = 3;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ChildResult result;
  result.out = read_all(out_pipe[0]);
  result.err = read_all(err_pipe[0]);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  REQUIRE(::waitpid(pid, &result.status, 0) == pid);
  return result;
}

}  // namespace weft_test
