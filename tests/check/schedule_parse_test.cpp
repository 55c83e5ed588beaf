// Malformed schedule strings get one clear, printable error that points at the bad
// byte; white space around a schedule is ignored the same way on both sides. These are
// the parser's fuzz findings (tests/fuzz/schedule_parse_fuzz), kept here so the fixes
// are covered in every build.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "weft/check/schedule.hpp"

namespace {

using weft::check::Schedule;

// The parse error for `text`; fails the test when it parses.
std::string error_of(std::string_view text) {
  std::string error;
  INFO(text);
  CHECK_FALSE(Schedule::parse(text, &error));
  return error;
}

}  // namespace

TEST_CASE("a schedule's parse error shows unprintable bytes as \\xHH", "[checker][schedule]") {
  using namespace std::string_literals;
  // An escape sequence that would recolour a terminal, a NUL, a lone byte of UTF-8.
  CHECK(error_of("weft1:0\x1b[31m") == "unexpected character '\\x1b' at position 7");
  CHECK(error_of("weft1:0\0"s) == "unexpected character '\\x00' at position 7");
  CHECK(error_of("weft1:0\xc3\xa9") == "unexpected character '\\xc3' at position 7");
  CHECK(error_of("\xffweft1:0") == "a schedule starts with \"weft1:\" (got \"\\xffweft1:0\")");
  CHECK(error_of("weft1:{1\x07}") == "unexpected character '\\x07' in the number at position 8");
}

TEST_CASE("a schedule's parse error quotes at most 12 bytes of a wrong prefix", "[checker][schedule]") {
  CHECK(error_of("weft2:0123456789abcdef") == "a schedule starts with \"weft1:\" (got \"weft2:012345\")");
  CHECK(error_of("") == "a schedule starts with \"weft1:\" (got \"\")");
}

TEST_CASE("white space around a schedule is ignored on both sides alike", "[checker][schedule]") {
  const auto plain = Schedule::parse("weft1:01");
  REQUIRE(plain);
  for (const char* padded : {"\r\nweft1:01\r\n", " \tweft1:01\t ", "\nweft1:01", "weft1:01\r"}) {
    INFO(padded);
    const auto parsed = Schedule::parse(padded);
    REQUIRE(parsed);
    CHECK(*parsed == *plain);
  }
}

TEST_CASE("a schedule's parse error counts positions from the start of the given text", "[checker][schedule]") {
  CHECK(error_of("weft1:0#") == "unexpected character '#' at position 7");
  CHECK(error_of("  weft1:0#") == "unexpected character '#' at position 9");
  CHECK(error_of("weft1:{12") == "unclosed '{' at position 6");
  CHECK(error_of("\tweft1:0{12") == "unclosed '{' at position 8");
  CHECK(error_of("weft1:{4294967296}") == "choice too large at position 6 (at most 4294967295)");
  CHECK(error_of("weft1:0{99999999999999999999999}") == "choice too large at position 7 (at most 4294967295)");
}

TEST_CASE("a decision's braces must hold a number", "[checker][schedule]") {
  CHECK(error_of("weft1:{}") == "empty '{}' at position 6 (a choice is a number)");
  CHECK(error_of("weft1:!{}") == "empty '{}' at position 7 (a choice is a number)");
  CHECK(error_of("weft1:{-1}") == "unexpected character '-' in the number at position 7");
  const auto largest = Schedule::parse("weft1:~{4294967295}");
  REQUIRE(largest);
  REQUIRE(largest->decisions.size() == 1);
  CHECK(largest->decisions[0].choice == 4294967295u);
}

TEST_CASE("a decision kind needs a choice after it", "[checker][schedule]") {
  CHECK(error_of("weft1:01!") == "the schedule ends after '!' at position 8, which needs a choice after it");
  CHECK(error_of("weft1:%") == "the schedule ends after '%' at position 6, which needs a choice after it");
  CHECK(error_of("weft1:!!0") == "unexpected character '!' at position 7");
}
