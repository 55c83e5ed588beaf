// The layout of Fiber::wait_word_: the epoch of the fiber's current wait and its state.
//
//   open      -- waiting; the fiber may still be on its stack (about to switch away)
//   sleeping  -- waiting, and switched out: whoever claims the wait must enqueue it
//   claiming  -- a claimer won; it is writing the wake reason and its payload
//   claimed   -- ended (also: not waiting at all)
//
// A claimer moves open|sleeping -> claiming with one CAS, writes the reason, detail and
// its payload, then publishes claimed with a release store (wake()) and enqueues the
// fiber if it found it sleeping. The worker that switched away from a waiting fiber
// moves open -> sleeping; if that CAS fails the wait was claimed meanwhile and the
// fiber is requeued at once. Two atomic read-modify-writes per blocking hand-off.
#pragma once

#include <cstdint>

namespace weft::sched::detail::wait_word {

inline constexpr std::uint64_t kOpen = 0;
inline constexpr std::uint64_t kClaiming = 1;
inline constexpr std::uint64_t kSleeping = 2;
inline constexpr std::uint64_t kClaimed = 3;
inline constexpr std::uint64_t kStateMask = 3;

constexpr std::uint64_t make(std::uint64_t epoch, std::uint64_t state) { return epoch << 2 | state; }
constexpr std::uint64_t epoch_of(std::uint64_t word) { return word >> 2; }
constexpr std::uint64_t state_of(std::uint64_t word) { return word & kStateMask; }
// Still claimable: open or sleeping.
constexpr bool is_waiting(std::uint64_t word) { return (word & 1) == 0; }

}  // namespace weft::sched::detail::wait_word
