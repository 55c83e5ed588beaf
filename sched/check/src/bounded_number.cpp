// Range-checked whole numbers (see bounded_number.hpp).
#include "bounded_number.hpp"

#include <cerrno>
#include <cstdlib>

namespace weft::check::detail {

std::optional<std::uint64_t> bounded_number(const std::string& what, const std::string& text,
                                            Bounds bounds, std::string& error) {
  const auto refuse = [&](const char* why) -> std::optional<std::uint64_t> {
    error = what + " wants a whole number from " + std::to_string(bounds.min) + " to " +
            std::to_string(bounds.max) + ", not '" + text + "' (" + why + ")";
    return std::nullopt;
  };
  if (text.empty()) return refuse("empty");
  for (char c : text)
    if (c < '0' || c > '9') return refuse(c == '-' ? "negative" : "not a decimal number");
  errno = 0;
  const unsigned long long value = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || value > bounds.max) return refuse("too large");
  if (value < bounds.min) return refuse("too small");
  return value;
}

}  // namespace weft::check::detail
