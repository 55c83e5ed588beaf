// The user's code behind a weft operation. A primitive called through the standard
// library (std::lock_guard calls lock() with no site to pass on) records a site inside
// weft; the re-run that renders a failing run walks the stack to the first frame outside
// weft and the standard library instead. File:line needs debug information (-g) in the
// user's code; without it, or without libbacktrace, the recorded site stays.
#pragma once

namespace weft::check::detail {

struct Site {
  const char* file = nullptr;  // static storage: interned for the life of the process
  unsigned line = 0;
  explicit operator bool() const noexcept { return file != nullptr; }
};

// Whether `file` -- a std::source_location's file name or a path from debug information
// -- is one of weft's own sources or headers, or a standard library header.
bool inside_weft(const char* file);

// The innermost frame of the calling stack, with file:line, that is not inside weft;
// empty when there is none or the stack cannot be symbolised. Costs a stack walk.
Site user_frame() noexcept;

}  // namespace weft::check::detail
