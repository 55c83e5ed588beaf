// Test helper: run a piece of a test in a forked child process, capturing its output and
// how it ended. For behaviour that kills the process (stack overflow) and for scenarios
// that may corrupt memory, so that they cannot take the rest of the test binary down.
#pragma once

#include <poll.h>
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

// Reads both pipes to their ends at once: a child that fills one (a sanitizer's report on
// stderr can exceed a pipe's 64 KiB) must not block while the parent waits on the other.
inline void read_both(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* texts[2] = {&out, &err};
  for (int open = 2; open > 0;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        texts[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll skips it from now on
        --open;
      }
    }
  }
}

// Runs body() in a forked child with stdout and stderr captured. The child exits 0 when
// body returns, 3 when it throws. Call only while the process has a single thread.
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
  read_both(out_pipe[0], err_pipe[0], result.out, result.err);
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  REQUIRE(::waitpid(pid, &result.status, 0) == pid);
  return result;
}

}  // namespace weft_test
