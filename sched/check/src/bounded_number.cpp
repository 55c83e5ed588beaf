// Range-checked whole numbers (see bounded_number.hpp).
#include "bounded_number.hpp"

#include <cerrno>
#include <cstdlib>

#include "weft/sched/errors.hpp"

namespace weft::check::detail {

std::uint64_t bounded_number(const std::string& what, const std::string& text, std::uint64_t min,
                             std::uint64_t max) {
  const auto refuse = [&](const char* why) -> std::uint64_t {
    throw sched::UsageError("weft-check: " + what + " wants a whole number from " +
                            std::to_string(min) + " to " + std::to_string(max) + ", not '" + text +
                            "' (" + why + ")");
  };
  if (text.empty()) return refuse("empty");
  for (char c : text)
    if (c < '0' || c > '9') return refuse(c == '-' ? "negative" : "not a decimal number");
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (errno == ERANGE) return refuse("too large");
  if (value < min) return refuse("too small");
  if (value > max) return refuse("too large");
  return value;
}

}  // namespace weft::check::detail
