// Test helper: the weft-check command line (weft::check::check_main) over the scenarios
// linked into the test, run in a child process so its exit status and output are seen.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "weft/check.hpp"

namespace weft_test {

// Runs `weft-check ARGS...`.
inline ChildResult weft_check(std::vector<std::string> args) {
  return run_in_child([&] {
    std::vector<char*> argv{const_cast<char*>("weft-check")};
    for (std::string& a : args) argv.push_back(a.data());
    const int status = weft::check::check_main(static_cast<int>(argv.size()), argv.data());
    std::fflush(nullptr);
    ::_exit(status);
  });
}

// The exit status of a child that exited, -1 for one that died of a signal.
inline int exit_status(const ChildResult& r) { return WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1; }

}  // namespace weft_test
