// What a parked fiber waits for. Every blocking call in weft describes its wait with
// one of these so that dumps, deadlock reports and the checker can explain it.
#pragma once

#include <atomic>
#include <cstdint>

namespace weft::sched {

class Fiber;

enum class WaitKind : std::uint8_t {
  None,       // not waiting
  Join,       // another fiber to finish
  Sleep,      // a timer
  Mutex,
  CondVar,
  Semaphore,
  Event,
  Barrier,
  Channel,
  Select,
  Future,
  Mailbox,    // an actor waiting for a message, or a sender for room in a full mailbox
  Io,
  External,   // something outside the runtime (a foreign thread, a blocking job)
  Other,
};

const char* to_string(WaitKind kind) noexcept;

// A wait record. `object` identifies the thing waited on (its address), `name` is the
// object's own name ("orders", the joined fiber's) or a short description ("channel
// send"), empty for an unnamed lock; with static storage or owned by the waited-on object
// for at least as long as the wait.
struct WaitRecord {
  WaitKind kind = WaitKind::None;
  const void* object = nullptr;
  const char* name = "";
  // For a lock with one owner: its owner slot, so that deadlock reports can say who holds
  // it (read only while every fiber involved is blocked). Null for other waits.
  const std::atomic<Fiber*>* holder = nullptr;
  // A fiber waiting on something external can be woken from outside the runtime, so
  // production deadlock detection does not count it as stuck. (Fd waits are not counted
  // here: the reactor says whether an armed fd may still fire -- Reactor::has_armed --,
  // which lets the checker's reactor call an fd that nobody can make ready stuck.)
  bool external() const noexcept { return kind == WaitKind::External; }
};

// Why a wait ended.
enum class WakeReason : std::uint8_t {
  Notified,   // the awaited thing happened
  Timeout,    // the deadline passed first
  Cancelled,  // the fiber was cancelled while waiting
};

}  // namespace weft::sched
