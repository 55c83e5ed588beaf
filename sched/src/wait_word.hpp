// The layout of Fiber::wait_word_: the epoch of the fiber's current wait and its state.
// A claimer moves it open -> claiming, writes the wake reason and detail, then publishes
// claimed with a release store; the waiter only trusts the reason once it reads claimed.
#pragma once

#include <cstdint>

namespace weft::sched::detail::wait_word {

inline constexpr std::uint64_t kOpen = 0;      // waiting; the first try_claim wins
inline constexpr std::uint64_t kClaiming = 1;  // won, reason being written
inline constexpr std::uint64_t kClaimed = 3;   // ended (also: not waiting at all)
inline constexpr std::uint64_t kStateMask = 3;

constexpr std::uint64_t make(std::uint64_t epoch, std::uint64_t state) { return epoch << 2 | state; }
constexpr std::uint64_t epoch_of(std::uint64_t word) { return word >> 2; }
constexpr bool is_open(std::uint64_t word) { return (word & kStateMask) == kOpen; }

}  // namespace weft::sched::detail::wait_word
