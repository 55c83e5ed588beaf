// Stack walks to the user's code, with GCC's libbacktrace (see user_site.hpp).
#include "user_site.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <source_location>
#include <string>
#include <string_view>

#ifdef WEFT_HAVE_LIBBACKTRACE
#include <backtrace.h>
#endif

namespace weft::check::detail {

namespace {

// This file's path below weft's source root: what is left of a path to it is the root.
constexpr std::string_view kThisFile = "sched/check/src/user_site.cpp";

std::optional<std::string> root_of(std::string_view path_of_this_file) {
  if (!path_of_this_file.ends_with(kThisFile)) return std::nullopt;
  path_of_this_file.remove_suffix(kThisFile.size());
  return std::string(path_of_this_file);
}

// `segment` begins a component of `path`.
bool has_segment(std::string_view path, std::string_view segment) {
  for (auto at = path.find(segment); at != std::string_view::npos; at = path.find(segment, at + 1))
    if (at == 0 || path[at - 1] == '/') return true;
  return false;
}

bool under_weft_root(std::string_view path, const std::optional<std::string>& root) {
  if (!root || !path.starts_with(*root)) return false;
  path.remove_prefix(root->size());
  return path.starts_with("sched/") || path.starts_with("fibers/");
}

#ifdef WEFT_HAVE_LIBBACKTRACE

void ignore_error(void*, const char*, int) {}  // no debug info: the recorded site stays

backtrace_state* symbolizer() {
  static backtrace_state* state = backtrace_create_state(nullptr, /*threaded=*/1, ignore_error, nullptr);
  return state;
}

// Debug information spells a path as the compiler's working directory joined with the
// path it was given ("/src/weft/build/../fibers/src/sync/mutex.cpp").
std::optional<std::string> debug_info_root() {
  std::optional<std::string> root;
  backtrace_state* state = symbolizer();
  if (state == nullptr) return root;
  auto on_line = [](void* data, std::uintptr_t, const char* file, int, const char*) -> int {
    if (file) *static_cast<std::optional<std::string>*>(data) = root_of(file);
    return 1;
  };
  backtrace_pcinfo(state, reinterpret_cast<std::uintptr_t>(&user_frame), on_line, ignore_error, &root);
  return root;
}

#else

std::optional<std::string> debug_info_root() { return std::nullopt; }

#endif

// Weft's source root as this build's compiler spelled it (in std::source_location) and as
// its debug information does.
struct Roots {
  std::optional<std::string> compiled = root_of(std::source_location::current().file_name());
  std::optional<std::string> debug_info = debug_info_root();
};

const Roots& roots() {
  static const Roots roots;
  return roots;
}

#ifdef WEFT_HAVE_LIBBACKTRACE

// Frame file names outlive the walk: reports keep them for the rest of the process.
const char* intern(const char* file) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> files;
  std::lock_guard guard(mutex);
  return files.emplace(file).first->c_str();
}

struct Walk {
  Site found;
  int frames = 0;
};

// Enough to get from a checker hook through any primitive and the standard library.
constexpr int kMaxFrames = 64;

// Called by C code: nothing may be thrown through it.
int on_frame(void* data, std::uintptr_t, const char* file, int line, const char*) noexcept {
  Walk& walk = *static_cast<Walk*>(data);
  if (++walk.frames > kMaxFrames) return 1;
  try {
    if (file == nullptr || line <= 0 || inside_weft(file)) return 0;
    walk.found = Site{intern(file), static_cast<unsigned>(line)};
  } catch (...) {  // out of memory: keep the recorded site
  }
  return 1;
}

#endif

}  // namespace

bool inside_weft(const char* file) {
  const std::string_view path(file);
  // Installed or in-tree weft headers, the standard library's, weft's sources.
  if (has_segment(path, "include/weft/") || has_segment(path, "include/c++/")) return true;
  const Roots& r = roots();
  return under_weft_root(path, r.compiled) || under_weft_root(path, r.debug_info);
}

Site user_frame() noexcept {
#ifdef WEFT_HAVE_LIBBACKTRACE
  try {
    roots();  // before the walk: it symbolises too
  } catch (...) {  // out of memory: keep the recorded site
    return {};
  }
  backtrace_state* state = symbolizer();
  if (state == nullptr) return {};
  Walk walk;
  backtrace_full(state, /*skip=*/0, on_frame, ignore_error, &walk);
  return walk.found;
#else
  return {};
#endif
}

}  // namespace weft::check::detail
