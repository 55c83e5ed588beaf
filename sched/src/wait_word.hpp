// The layout of Fiber::wait_word_: the epoch of the fiber's current wait and its state.
//
//   open      -- waiting; the first try_claim wins
//   claiming  -- a claimer won; it is writing the wake reason and its payload
//   claimed   -- ended (also: not waiting at all)
//
// A claimer moves open -> claiming with one CAS, writes the reason, detail and its
// payload, publishes claimed with a release store and asks the fiber's worker to run
// it again (wake()). That CAS is the only atomic read-modify-write of a blocking
// hand-off: the waiting side only stores. Whether the fiber had already switched out is
// decided on its own worker's thread (Worker::enqueue_woken), so no handshake is needed.
#pragma once

#include <cstdint>

namespace weft::sched::detail::wait_word {

inline constexpr std::uint64_t kOpen = 0;
inline constexpr std::uint64_t kClaiming = 1;
inline constexpr std::uint64_t kClaimed = 3;
inline constexpr std::uint64_t kStateMask = 3;

constexpr std::uint64_t make(std::uint64_t epoch, std::uint64_t state) { return epoch << 2 | state; }
constexpr std::uint64_t epoch_of(std::uint64_t word) { return word >> 2; }
constexpr std::uint64_t state_of(std::uint64_t word) { return word & kStateMask; }
constexpr bool is_waiting(std::uint64_t word) { return state_of(word) == kOpen; }

}  // namespace weft::sched::detail::wait_word
