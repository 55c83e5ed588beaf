// The layout of Fiber::wait_word_: the epoch of the fiber's current wait and its state.
//
//   open              -- waiting; the first try_claim wins
//   spinning          -- waiting, and the fiber watches this word on its worker's thread
//                        instead of switching out (Worker::spin_in_wait)
//   claiming          -- a claimer won an open wait; it is writing the wake reason and
//                        its payload
//   claiming_spinner  -- the same, for a spinning wait
//   claimed           -- ended (also: not waiting at all)
//
// A claimer moves open (or spinning) -> claiming with one CAS, writes the reason,
// detail and its payload, publishes claimed with a release store and, for a wait that
// was open, asks the fiber's worker to run it again (wake()); a spinning fiber sees the
// store itself. That CAS is the only atomic read-modify-write of a blocking hand-off:
// the waiting side only stores, unless it spins (a CAS into spinning and one out).
// Whether the fiber had already switched out is decided on its own worker's thread
// (Worker::enqueue_woken), so no handshake is needed.
#pragma once

#include <cstdint>

namespace weft::sched::detail::wait_word {

// Bit 2 says "spinning"; the two low bits tell open, claiming and claimed apart, so
// that claiming is "+ 1" from either waiting state.
inline constexpr std::uint64_t kOpen = 0;
inline constexpr std::uint64_t kClaiming = 1;
inline constexpr std::uint64_t kClaimed = 3;
inline constexpr std::uint64_t kSpinning = 4;
inline constexpr std::uint64_t kClaimingSpinner = kSpinning + kClaiming;
inline constexpr std::uint64_t kStateMask = 7;
inline constexpr std::uint64_t kPhaseMask = 3;  // open, claiming or claimed, spinning or not

constexpr std::uint64_t make(std::uint64_t epoch, std::uint64_t state) { return epoch << 3 | state; }
constexpr std::uint64_t epoch_of(std::uint64_t word) { return word >> 3; }
constexpr std::uint64_t state_of(std::uint64_t word) { return word & kStateMask; }
constexpr bool is_waiting(std::uint64_t word) { return (word & kPhaseMask) == kOpen; }
constexpr bool is_claiming(std::uint64_t word) { return (word & kPhaseMask) == kClaiming; }

}  // namespace weft::sched::detail::wait_word
