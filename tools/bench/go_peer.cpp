// Building the Go peers: `go build` against a cache in the build directory, bounded in time.
#include "go_peer.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "bench.hpp"
#include "process.hpp"

namespace weft::bench {

namespace {

// A cold build compiles the program and the few std packages it imports.
constexpr std::chrono::seconds kBuildTimeLimit{180};

struct Built {
  std::string path;
  std::string skipped;   // why it could not be built
};

Built build(const std::string& source, const std::string& output) {
  if (!in_path("go"))
    return {"", "go is not installed (Debian package golang-go; ./run bench installs it)"};
  if (::access(source.c_str(), R_OK) != 0) return {"", "the Go source " + source + " is missing"};
  const std::filesystem::path out(output);
  // Everything go writes stays in the build directory; GOFLAGS from outside could change the build.
  const std::string cache = (out.parent_path() / "go-cache").string();
  const std::vector<std::string> env = {"GOCACHE=" + cache, "GOPATH=" + (out.parent_path() / "go-path").string(),
                                        "GOFLAGS=", "GOTOOLCHAIN=local", "CGO_ENABLED=0"};
  try {
    Process go({"go", "build", "-o", output, source}, env);
    const int status = go.finish(after(kBuildTimeLimit));
    if (status != 0)
      return {"", "go build " + source + " failed with status " + std::to_string(status) + " (its errors above)"};
  } catch (const Failure& timeout) {
    return {"", std::string("go build: ") + timeout.what()};
  }
  return {output, ""};
}

}  // namespace

bool in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
  return false;
}

std::string go_program(const std::string& source, const std::string& output) {
  static std::map<std::string, Built> built;   // by output
  auto it = built.find(output);
  if (it == built.end()) it = built.emplace(output, build(source, output)).first;
  if (!it->second.skipped.empty()) throw Skip(it->second.skipped);
  return it->second.path;
}

}  // namespace weft::bench
