// ActorAddress: an untyped handle to one actor (its identity, liveness and exit), and
// the messages the runtime itself sends to actors: ExitSignal (links) and Down
// (monitors). ActorRef<Msg> (weft/actor/actor_ref.hpp) is the typed handle that sends.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "weft/actor/exit_reason.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/time.hpp"

namespace weft {

namespace detail {
class ActorCell;
}

// Copyable, cheap (a shared pointer), comparable and hashable. Keeps the actor's record
// (name, exit reason) alive, not the actor: it runs until it exits.
class ActorAddress {
 public:
  ActorAddress() = default;   // empty: refers to no actor
  explicit ActorAddress(std::shared_ptr<detail::ActorCell> cell) noexcept : cell_(std::move(cell)) {}

  explicit operator bool() const noexcept { return cell_ != nullptr; }
  // Unique per actor in this process; 0 for an empty address.
  std::uint64_t id() const noexcept;
  const std::string& name() const;
  // True until the actor has exited (a snapshot).
  bool alive() const;
  // The reason it exited with, or nothing while it runs.
  std::optional<ExitReason> exit_reason() const;

  // Sends the actor an exit signal, as Erlang's exit/2: with killed() it ends at once
  // (untrappable); otherwise an actor that traps exits receives an ExitSignal message,
  // and one that does not ends with `reason` -- except that normal() is then ignored
  // (use ActorRef::stop() to end an actor gracefully). Any fiber or thread.
  void exit(const ExitReason& reason) const;

  // Waits until the actor has exited (its behaviour destroyed too) and returns its
  // reason. Throws Cancelled if the
  // calling fiber is cancelled. Fibers only (from other threads: wait_for's
  // counterpart is alive() polling).
  ExitReason wait() const;
  // The same with a timeout: nothing when the actor still runs at the deadline.
  std::optional<ExitReason> wait_until(TimePoint deadline) const;
  template <class Rep, class Period>
  std::optional<ExitReason> wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return wait_until(detail::deadline_after(timeout));
  }

  friend bool operator==(const ActorAddress& a, const ActorAddress& b) noexcept {
    return a.cell_ == b.cell_;
  }
  friend std::strong_ordering operator<=>(const ActorAddress& a, const ActorAddress& b) noexcept {
    return std::compare_three_way{}(a.cell_.get(), b.cell_.get());
  }

  // The runtime's side (not API).
  detail::ActorCell& cell() const;
  const std::shared_ptr<detail::ActorCell>& shared_cell() const noexcept { return cell_; }

 private:
  std::shared_ptr<detail::ActorCell> cell_;
};

// Delivered as a message to an actor that traps exits (ActorContext::trap_exits) when
// a linked actor exits, or when someone calls exit() on it. Its message type must
// include ExitSignal to trap exits.
struct ExitSignal {
  ActorAddress from;   // the linked actor that exited (empty: exit() from a non-actor)
  ExitReason reason;
};

// Identifies one monitor (ActorContext::monitor).
struct MonitorRef {
  std::uint64_t id = 0;
  friend bool operator==(MonitorRef, MonitorRef) = default;
};

// Delivered as a message to a watcher when the actor it monitors exits (at once when
// the actor was already dead). The watcher's message type must include Down.
struct Down {
  ActorAddress actor;
  ExitReason reason;
  MonitorRef monitor;
};

}  // namespace weft

template <>
struct std::hash<weft::ActorAddress> {
  std::size_t operator()(const weft::ActorAddress& a) const noexcept {
    return std::hash<const void*>{}(a.shared_cell().get());
  }
};
