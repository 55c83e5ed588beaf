// The child processes of weft-bench's I/O cases: lines read in order, exit statuses,
// SIGTERM then SIGKILL, every wait bounded by its deadline, a missing program skipped.
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <string>
#include <vector>

#include "go_peer.hpp"
#include "process.hpp"

using namespace std::chrono_literals;
using weft::bench::after;
using weft::bench::Clock;
using weft::bench::Failure;
using weft::bench::Process;
using weft::bench::Skip;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("bench process: lines come in order, finish returns the exit status and all output", "[bench]") {
  Process p({"sh", "-c", "echo one; echo two; printf three; exit 7"});
  CHECK(p.read_line(after(5s)) == "one");
  CHECK(p.read_line(after(5s)) == "two");
  CHECK(p.finish(after(5s)) == 7);
  CHECK(p.output() == "one\ntwo\nthree");
}

TEST_CASE("bench process: read_line fails when the output ends without a whole line", "[bench]") {
  Process p({"sh", "-c", "printf partial"});
  CHECK_THROWS_AS(p.read_line(after(5s)), Failure);
}

TEST_CASE("bench process: stop ends a server with SIGTERM", "[bench]") {
  Process p({"sh", "-c", "echo ready; exec sleep 30"});
  REQUIRE(p.read_line(after(5s)) == "ready");
  const auto start = Clock::now();
  CHECK(p.stop(5s) == 128 + SIGTERM);
  CHECK(seconds_since(start) < 4);
}

TEST_CASE("bench process: a process that ignores SIGTERM is killed after the grace", "[bench]") {
  Process p({"sh", "-c", "trap '' TERM; echo ready; exec sleep 30"});
  REQUIRE(p.read_line(after(5s)) == "ready");
  const auto start = Clock::now();
  CHECK_THROWS_AS(p.stop(300ms), Failure);
  CHECK(seconds_since(start) < 4);
  CHECK_THROWS_AS(p.finish(after(1s)), Failure);   // reaped already
}

TEST_CASE("bench process: finish fails at its deadline and kills the process", "[bench]") {
  Process p({"sh", "-c", "echo $$; exec sleep 30"});
  const pid_t pid = std::stoi(p.read_line(after(5s)));
  const auto start = Clock::now();
  CHECK_THROWS_AS(p.finish(after(200ms)), Failure);
  CHECK(seconds_since(start) < 4);
  CHECK(::kill(pid, 0) != 0);   // killed and reaped: no such process any more
}

TEST_CASE("bench process: a program that does not exist is skipped", "[bench]") {
  CHECK_THROWS_AS(Process({"/nonexistent/weft-bench-peer"}), Skip);
}

TEST_CASE("bench process: the environment given replaces ours of the same name", "[bench]") {
  ::setenv("WEFT_BENCH_TEST_VAR", "ours", 1);
  Process p({"sh", "-c", "env | grep ^WEFT_BENCH_TEST_VAR="}, {"WEFT_BENCH_TEST_VAR=given"});
  CHECK(p.finish(after(5s)) == 0);
  CHECK(p.output() == "WEFT_BENCH_TEST_VAR=given\n");
  ::unsetenv("WEFT_BENCH_TEST_VAR");
}

TEST_CASE("bench process: listening_address reads the address a server announces", "[bench]") {
  Process p({"sh", "-c", "echo starting; echo 'srv: listening on 127.0.0.1:4242 (1 worker)'; echo more"});
  CHECK(weft::bench::listening_address(p, after(5s)) == "127.0.0.1:4242");
  Process quiet({"sh", "-c", "echo nothing here"});
  CHECK_THROWS_AS(weft::bench::listening_address(quiet, after(5s)), Failure);
}

TEST_CASE("bench process: in_path finds programs in PATH only", "[bench]") {
  CHECK(weft::bench::in_path("sh"));
  CHECK_FALSE(weft::bench::in_path("weft-bench-no-such-program"));
}

TEST_CASE("bench process: a process started on one CPU runs there, and we run where we did", "[bench]") {
  const std::vector<int> ours = weft::bench::allowed_cpus();
  REQUIRE_FALSE(ours.empty());
  const int cpu = ours.back();
  Process p({"grep", "Cpus_allowed_list", "/proc/self/status"}, {}, cpu);
  CHECK(p.finish(after(5s)) == 0);
  CHECK(p.output() == "Cpus_allowed_list:\t" + std::to_string(cpu) + "\n");
  CHECK(weft::bench::allowed_cpus() == ours);
}

TEST_CASE("bench process: finish reports the CPU time the process used", "[bench]") {
  // 0.3 s of CPU in a busy loop, then 0.3 s asleep (which costs none). The loop counts
  // the shell's own CPU time (utime + stime in /proc, in ticks of 10 ms), not the clock:
  // on a loaded machine 0.3 s of wall time can be well under 0.1 s of CPU.
  Process p({"sh", "-c", "while :; do read -r s < /proc/$$/stat; set -- $s; "
                         "[ $(( ${14} + ${15} )) -ge 30 ] && break; done; sleep 0.3"});
  REQUIRE(p.finish(after(20s)) == 0);
  CHECK(p.cpu_seconds() > 0.1);
  CHECK(p.cpu_seconds() < 0.55);
}
