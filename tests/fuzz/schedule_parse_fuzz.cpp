// Fuzzes weft::check::Schedule::parse with arbitrary bytes: it returns a schedule or a
// clear error (non-empty, printable, short), never crashes; a parsed schedule prints to
// the canonical string, which parses back to the same decisions and prints the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_property.hpp"
#include "weft/check/schedule.hpp"

namespace {

using weft::check::Schedule;
using weft_fuzz::broken;

// Long enough to quote a few bad characters and name a position, short enough that a
// megabyte of garbage is not echoed back.
constexpr std::size_t kMaxErrorLength = 200;

void check_error(const std::string& error) {
  if (error.empty()) broken("parse failed without saying why");
  if (error.size() > kMaxErrorLength) broken("error longer than " + std::to_string(kMaxErrorLength) + " characters");
  if (!weft_fuzz::printable_ascii(error)) broken("error with unprintable bytes: " + error);
}

void check_round_trip(const Schedule& parsed) {
  const std::string printed = parsed.to_string();
  std::string error;
  auto again = Schedule::parse(printed, &error);
  if (!again) broken("the printed schedule " + printed + " does not parse: " + error);
  if (*again != parsed) broken("the printed schedule " + printed + " parses to other decisions");
  if (again->to_string() != printed) broken("printing is not stable for " + printed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto parsed = Schedule::parse(text, &error);
  if (parsed)
    check_round_trip(*parsed);
  else
    check_error(error);
  return 0;
}
