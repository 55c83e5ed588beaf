// The Go peers of the I/O cases: one-file programs in tools/bench/peers/, built with the
// system's `go` into the build directory when a case first needs them.
#pragma once

#include <string>

namespace weft::bench {

// Builds `source` (a .go file) into `output` with `go build`, once per process (later
// calls return the first result). Returns the program's path. Throws Skip when `go` is
// not installed or the build fails, with the reason.
std::string go_program(const std::string& source, const std::string& output);

// True when `program` is an executable file in PATH.
bool in_path(const std::string& program);

}  // namespace weft::bench
