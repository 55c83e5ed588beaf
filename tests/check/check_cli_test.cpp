// The weft-check command line trusts no number and no output path: every flag is
// range-checked (status 2 with a message naming the flag and its range), output files
// are checked before exploring and after writing; the same ranges hold for the WEFT_CHECK_*
// variables and for Options set by hand.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/weft_check_cli.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft_test::exit_status;
using weft_test::weft_check;

std::string temp_dir() {
  char pattern[] = "/tmp/weft-cli-XXXXXX";
  REQUIRE(::mkdtemp(pattern) != nullptr);
  return pattern;
}

}  // namespace

TEST_CASE("weft-check refuses numbers out of range with status 2", "[checker][cli]") {
  struct Bad {
    std::vector<std::string> args;
    const char* says;
  };
  const std::vector<Bad> cases = {
      {{"--iterations", "-5"}, "--iterations wants a whole number from 1 to 1000000000, not '-5' (negative)"},
      {{"--iterations", "0"}, "not '0' (too small)"},
      {{"--iterations", "10x"}, "not a decimal number"},
      {{"--iterations", ""}, "(empty)"},
      {{"--seed", "-1"}, "--seed wants a whole number from 0 to 18446744073709551615"},
      {{"--seed", "18446744073709551616"}, "too large"},
      {{"--workers", "0"}, "--workers wants a whole number from 1 to 64"},
      {{"--threads", "1025"}, "--threads wants a whole number from 0 to 1024"},
      {{"--max-steps", "0"}, "--max-steps wants a whole number from 1"},
      {{"--max-preemptions", "-2"}, "--max-preemptions wants a whole number from 0 to 1000"},
  };
  for (const Bad& bad : cases) {
    std::vector<std::string> args{"run", "lost_update_fixed"};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    auto r = weft_check(args);
    INFO(bad.args[0] << " " << bad.args[1] << ": " << r.err);
    CHECK(exit_status(r) == 2);
    CHECK(r.err.find(bad.says) != std::string::npos);
  }
  auto ok = weft_check({"run", "lost_update_fixed", "--iterations", "20", "--seed", "0", "--threads", "0"});
  CHECK(exit_status(ok) == 0);
}

TEST_CASE("weft-check checks its output files before exploring and after writing", "[checker][cli]") {
  const std::string dir = temp_dir();

  auto missing = weft_check({"run", "lost_update", "--html", dir + "/no/such/folder/x.html"});
  CHECK(exit_status(missing) == 2);
  CHECK(missing.err.find("cannot write in '" + dir + "/no/such/folder'") != std::string::npos);
  CHECK(missing.out.empty());  // refused before exploring

  // The folder is writable but the path is a folder: found only when writing.
  REQUIRE(::mkdir((dir + "/taken").c_str(), 0700) == 0);
  auto unwritable = weft_check({"run", "lost_update", "--trace", dir + "/taken"});
  CHECK(exit_status(unwritable) == 2);
  CHECK(unwritable.err.find("could not write the trace to " + dir + "/taken") != std::string::npos);
  CHECK(unwritable.out.find("trace written") == std::string::npos);

  auto written = weft_check({"run", "lost_update", "--html", dir + "/t.html", "--schedule-out", dir + "/s"});
  CHECK(exit_status(written) == 1);  // the bug is found
  CHECK(written.out.find("timeline written to " + dir + "/t.html") != std::string::npos);
  std::ifstream html(dir + "/t.html");
  std::string first_line;
  CHECK(std::getline(html, first_line));
  std::ifstream schedule(dir + "/s");
  std::string text;
  CHECK(std::getline(schedule, text));
  CHECK(text.rfind("weft1:", 0) == 0);

  std::remove((dir + "/t.html").c_str());
  std::remove((dir + "/s").c_str());
  ::rmdir((dir + "/taken").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("WEFT_CHECK_* variables and hand-set Options get the same ranges", "[checker][cli]") {
  auto scenario = [] {};
  {
    auto r = weft_test::run_in_child([&] {
      ::setenv("WEFT_CHECK_ITERATIONS", "-3", 1);
      (void)weft::check::explore({}, scenario);
    });
    CHECK(r.err.find("WEFT_CHECK_ITERATIONS wants a whole number from 1 to 1000000000, not '-3'") !=
          std::string::npos);
  }
  weft::check::Options options;
  options.from_env = false;
  options.iterations = 0;
  CHECK_THROWS_WITH(weft::check::explore(options, scenario), Catch::Contains("Options::iterations = 0"));
  options.iterations = 10;
  options.workers = 0;
  CHECK_THROWS_WITH(weft::check::explore(options, scenario), Catch::Contains("Options::workers = 0"));
}

TEST_CASE("weft-check check-all --skip leaves out the scenarios a pattern matches", "[checker][cli]") {
  auto all_skipped = weft_check({"check-all", "--skip", "*_fixed", "--skip", "*"});
  CHECK(exit_status(all_skipped) == 0);
  CHECK(all_skipped.out.find("0 scenarios, 0 not as expected") != std::string::npos);
  auto typo = weft_check({"check-all", "--skip", "no_such_scenario*"});
  CHECK(exit_status(typo) == 2);
  CHECK(typo.err.find("--skip 'no_such_scenario*' matches no scenario") != std::string::npos);
  auto named = weft_check({"check-all", "lost_update", "lost_update_fixed", "--skip", "*_fixed"});
  CHECK(exit_status(named) == 0);
  CHECK(named.out.find("1 scenarios, 0 not as expected") != std::string::npos);
  auto unknown = weft_check({"check-all", "no_such_scenario"});
  CHECK(exit_status(unknown) == 2);
}
