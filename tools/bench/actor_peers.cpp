// Running the actor programs: one child process per run, its JSON line read and checked,
// its peak RSS taken from its rusage when it is reaped.
#include "actor_peers.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

#include "bench.hpp"
#include "go_peer.hpp"   // in_path
#include "process.hpp"

namespace weft::bench {

namespace {

// A full-size run takes seconds; CAF's work stealing has taken 3.5 s for fork_join_create.
constexpr std::chrono::seconds kRunTimeLimit{300};
constexpr std::chrono::seconds kCompileTimeLimit{120};

// Flags from the environment could change the schedulers erl starts.
const std::vector<std::string> kErlangEnv = {"ERL_FLAGS=", "ERL_AFLAGS=", "ERL_ZFLAGS="};

// A posix_spawn child shares our memory until it execs, and Linux carries our peak RSS
// over into its own: bring ours down to our current RSS first (as runner.cpp does before
// it spawns a measurement). What we hold at the spawn still counts as a floor.
void forget_our_peak_rss() {
  if (int fd = ::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC); fd >= 0) {
    [[maybe_unused]] ssize_t ignored = ::write(fd, "5", 1);
    ::close(fd);
  }
}

// The number after "key": in a peer's JSON line (flat, numbers unquoted), or Failure.
double json_number(const std::string& who, const std::string& line, const std::string& key) {
  const std::string field = "\"" + key + "\":";
  const std::size_t at = line.find(field);
  if (at == std::string::npos) throw Failure(who + " printed '" + line + "', without \"" + key + "\"");
  const char* begin = line.c_str() + at + field.size();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (end == begin) throw Failure(who + " printed '" + line + "', without a number for \"" + key + "\"");
  return value;
}

// Runs a peer to its end and reads its line: {"case":..,"threads":..,"ns":..,"per_op_ns":..,"ops":..}.
ActorPeerRun run_peer(const std::string& who, const std::vector<std::string>& argv,
                      const std::vector<std::string>& env, const std::string& case_name, int threads) {
  forget_our_peak_rss();
  Process peer(argv, env);
  const int status = peer.finish(after(kRunTimeLimit));
  // A peer that computed a wrong result says so on stderr (ours) and exits 1.
  if (status != 0) throw Failure(who + " exited with status " + std::to_string(status) + " (its message above)");
  const std::string line = line_with(who, peer.output(), "{\"case\":\"" + case_name + "\"");
  if (json_number(who, line, "threads") != threads)
    throw Failure(who + " printed '" + line + "', not threads " + std::to_string(threads));
  ActorPeerRun run;
  run.ns = json_number(who, line, "ns");
  run.per_op_ns = json_number(who, line, "per_op_ns");
  run.peak_rss_mb = peer.peak_rss_mb();
  if (run.ns <= 0 || run.per_op_ns <= 0 || json_number(who, line, "ops") <= 0)
    throw Failure(who + " printed '" + line + "', not a positive time and count");
  return run;
}

struct Compiled {
  std::string dir;       // where actors.beam is
  std::string skipped;   // why it could not be compiled
};

// Compiles actors.erl unless the build directory has a beam at least as new. Each
// measurement of an isolated case is a fresh weft-bench process: without that check
// every one would pay for erlc (about a second) again.
Compiled compile_erlang() {
  if (!in_path("erl") || !in_path("erlc"))
    return {"", "Erlang is not installed (Debian package erlang-base; ./run bench installs it)"};
  namespace fs = std::filesystem;
  const fs::path source = WEFT_BENCH_ERLANG_ACTORS_SOURCE;
  const fs::path dir = fs::path(WEFT_BENCH_BUILD_DIR) / "erlang";
  const fs::path beam = dir / "actors.beam";
  std::error_code error;
  const auto source_time = fs::last_write_time(source, error);
  if (error) return {"", "the Erlang source " + source.string() + " is missing"};
  if (fs::exists(beam, error) && fs::last_write_time(beam, error) >= source_time && !error) return {dir.string(), ""};
  // erlc writes into a folder of its own, then the beam moves into place in one step: a
  // compile cut short leaves no half-written beam that looks up to date.
  const fs::path scratch = dir / "compiling";
  fs::create_directories(scratch, error);
  if (error) return {"", "cannot create " + scratch.string() + ": " + error.message()};
  try {
    Process erlc({"erlc", "-o", scratch.string(), source.string()}, kErlangEnv);
    const int status = erlc.finish(after(kCompileTimeLimit));
    if (status != 0)
      return {"", "erlc " + source.string() + " failed with status " + std::to_string(status) + " (its errors above)"};
  } catch (const Failure& timeout) {
    return {"", std::string("erlc: ") + timeout.what()};
  }
  fs::rename(scratch / "actors.beam", beam, error);
  if (error) return {"", "cannot move the compiled actors.beam to " + beam.string() + ": " + error.message()};
  fs::remove(scratch, error);   // empty now; left behind if not
  return {dir.string(), ""};
}

// The folder with actors.beam, compiled once per process; Skip with the reason when it cannot be.
std::string erlang_beam_dir() {
  static const Compiled compiled = compile_erlang();
  if (!compiled.skipped.empty()) throw Skip(compiled.skipped);
  return compiled.dir;
}

}  // namespace

ActorPeerRun run_weft_actors(const std::string& case_name, int threads, bool quick) {
  std::vector<std::string> argv = {built_program(WEFT_BENCH_ACTORS_WEFT, "tools/actors_weft"), case_name,
                                   std::to_string(threads)};
  if (quick) argv.push_back("--quick");
  return run_peer("actors_weft " + case_name + " " + std::to_string(threads), argv, {}, case_name, threads);
}

ActorPeerRun run_caf(const std::string& case_name, int threads, bool quick) {
  const std::string path = WEFT_BENCH_ACTORS_CAF;   // empty when Meson did not find CAF
  if (path.empty()) throw Skip("CAF was not found at build time (Debian package libcaf-dev; ./run bench installs it)");
  std::vector<std::string> argv = {built_program(path, "tools/actors_caf"), case_name, std::to_string(threads)};
  if (quick) argv.push_back("--quick");
  return run_peer("actors_caf " + case_name + " " + std::to_string(threads), argv, {}, case_name, threads);
}

ActorPeerRun run_erlang(const std::string& case_name, int threads, bool quick) {
  const std::string n = std::to_string(threads);
  // -noinput: no shell; +S N:N: exactly N schedulers, all online (actors.erl checks).
  std::vector<std::string> argv = {"erl", "-noinput", "+S", n + ":" + n, "-pa", erlang_beam_dir(),
                                   "-run", "actors", "main", case_name, n};
  if (quick) argv.push_back("quick");
  return run_peer("erlang actors " + case_name + " " + n, argv, kErlangEnv, case_name, threads);
}

}  // namespace weft::bench
