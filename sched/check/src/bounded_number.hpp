// Whole numbers from the command line and the environment, range-checked: a negative
// count must not wrap to 2^64 - 5 and a zero must not pass for "nothing to do".
#pragma once

#include <cstdint>
#include <string>

namespace weft::check::detail {

// Parses `text` as a decimal whole number in [min, max]. Throws sched::UsageError
// naming `what` (a flag or variable), the range and the text otherwise: a sign, other
// characters, an empty text or a value out of range.
std::uint64_t bounded_number(const std::string& what, const std::string& text, std::uint64_t min,
                             std::uint64_t max);

// The ranges of the checker's knobs, shared by flags and environment variables.
struct Bounds {
  std::uint64_t min, max;
};
inline constexpr Bounds kIterationBounds{1, 1'000'000'000};
inline constexpr Bounds kSeedBounds{0, UINT64_MAX};
inline constexpr Bounds kMaxStepBounds{1, 1'000'000'000};
inline constexpr Bounds kWorkerBounds{1, 64};
inline constexpr Bounds kThreadBounds{0, 1024};  // 0: one per core
inline constexpr Bounds kPreemptionBounds{0, 1000};

inline std::uint64_t bounded_number(const std::string& what, const std::string& text, Bounds bounds) {
  return bounded_number(what, text, bounds.min, bounds.max);
}

}  // namespace weft::check::detail
