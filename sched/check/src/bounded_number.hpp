// Whole numbers from the command line and the environment, range-checked: a negative
// count must not wrap to 2^64 - 5 and a zero must not pass for "nothing to do".
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace weft::check::detail {

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

// Parses `text` as a decimal whole number within `bounds`. Otherwise (a sign, other
// characters, an empty text, a value out of range) returns nullopt and sets `error` to
// "WHAT wants a whole number from MIN to MAX, not 'TEXT' (why)", `what` naming the flag
// or variable; the caller adds who is speaking.
std::optional<std::uint64_t> bounded_number(const std::string& what, const std::string& text,
                                            Bounds bounds, std::string& error);

}  // namespace weft::check::detail
