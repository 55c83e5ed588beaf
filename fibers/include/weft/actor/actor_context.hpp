// ActorContext<Msg>: what an actor knows of itself -- its reference, its mailbox (for
// behaviours that run their own receive loop), and its links, monitors and exit.
//
// A behaviour gets it by taking `ActorContext<Msg>&` as its constructor's first
// parameter, and in run(ActorContext<Msg>&) if it runs its own loop. Use it only from the
// actor's own fiber.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/actor/actor_address.hpp"
#include "weft/actor/actor_ref.hpp"
#include "weft/actor/detail/message_traits.hpp"
#include "weft/actor/detail/typed_cell.hpp"
#include "weft/actor/exit_reason.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/sched/macros.hpp"

namespace weft {

namespace detail {
// Thrown through the behaviour to end the actor (exit(), a stop letter, a kill).
struct ActorExitNow {
  ExitReason reason;
};
}  // namespace detail

template <class Msg>
class ActorContext {
 public:
  // `cell` outlives the context (the actor's fiber holds it).
  explicit ActorContext(const std::shared_ptr<detail::ActorCellOf<Msg>>& cell) : cell_(cell) {}
  ActorContext(const ActorContext&) = delete;
  ActorContext& operator=(const ActorContext&) = delete;

  ActorRef<Msg> self() const { return ActorRef<Msg>(cell_); }
  const std::string& name() const noexcept { return cell_->name(); }

  // ---- receiving (behaviours with their own loop) -------------------------------------

  // The next message, waiting as long as it takes. A stop letter ends the actor (normal)
  // from inside this call, as does a kill.
  Msg receive() { return *receive_until_impl(std::nullopt, [](const Msg&) { return true; }); }
  // The next message, or nothing at the deadline / after the timeout.
  std::optional<Msg> receive_until(TimePoint deadline) {
    return receive_until_impl(deadline, [](const Msg&) { return true; });
  }
  template <class Rep, class Period>
  std::optional<Msg> receive_for(std::chrono::duration<Rep, Period> timeout) {
    return receive_until(detail::deadline_after(timeout));
  }

  // Selective receive (Erlang's receive with patterns): the first message for which
  // `match` is true, from the oldest on. Messages it skips stay, in order, for later
  // receives. Nothing at the deadline.
  template <class Pred>
  std::optional<Msg> receive_if(Pred match, TimePoint deadline) {
    return receive_until_impl(deadline, match);
  }
  template <class Pred, class Rep, class Period>
  std::optional<Msg> receive_if(Pred match, std::chrono::duration<Rep, Period> timeout) {
    return receive_if(std::move(match), detail::deadline_after(timeout));
  }
  // Selective receive by type: the first message that holds a T (Msg a std::variant).
  template <class T, class Rep, class Period>
    requires(detail::is_variant<Msg>::value && detail::accepts_v<Msg, T>)
  std::optional<T> receive(std::chrono::duration<Rep, Period> timeout) {
    std::optional<Msg> m = receive_if([](const Msg& v) { return std::holds_alternative<T>(v); }, timeout);
    if (!m) return std::nullopt;
    return std::get<T>(std::move(*m));
  }

  // ---- lifecycle ---------------------------------------------------------------------

  // Ends the actor normally once the current handler returns (or, in a run loop, at the
  // next receive).
  void stop() noexcept { stop_requested_ = true; }
  bool stop_requested() const noexcept { return stop_requested_; }
  // Ends the actor now with `reason` (throws through the behaviour; do not catch it).
  [[noreturn]] void exit(ExitReason reason) { throw detail::ActorExitNow{std::move(reason)}; }

  // Exit signals from links (and exit() with reasons other than killed) arrive as
  // ExitSignal messages instead of ending the actor. Msg must accept ExitSignal.
  void trap_exits(bool on)
    requires detail::accepts_v<Msg, ExitSignal>
  {
    cell_->set_trap_exits(on);
  }
  // Links this actor with `other`: when either exits with a reason other than normal(),
  // the other exits too (or, trapping exits, receives an ExitSignal).
  void link(const ActorAddress& other) { detail::ActorCell::link(*cell_, other.cell()); }
  void unlink(const ActorAddress& other) { detail::ActorCell::unlink(*cell_, other.cell()); }
  // Watches `other`: a Down message arrives when it exits (at once if it has). Msg must
  // accept Down.
  MonitorRef monitor(const ActorAddress& other)
    requires detail::accepts_v<Msg, Down>
  {
    return other.cell().add_monitor(cell_);
  }
  void demonitor(const ActorAddress& other, MonitorRef ref) { other.cell().remove_monitor(ref); }

  // ---- the runtime's side ------------------------------------------------------------

  // The next message for a handle() loop, stashed ones first, into `out`; false for a
  // stop letter. Blocks until there is one.
  bool next_message(std::optional<Msg>& out) {
    if (WEFT_UNLIKELY(stash_ != nullptr && !stash_->empty())) {
      out.emplace(std::move(stash_->front()));
      stash_->pop_front();
      return true;
    }
    return cell_->mailbox().take(out, std::nullopt) == detail::Took::message;
  }
  // Throws ActorExitNow when a kill arrived.
  void check_kill() const {
    if (WEFT_UNLIKELY(cell_->kill_requested()))
      throw detail::ActorExitNow{cell_->pending_kill().value_or(ExitReason::killed())};
  }
  // Destroys stashed messages (after the exit: their asks fail with the exit reason).
  void discard_stash() noexcept { stash_.reset(); }

 private:
  template <class Pred>
  std::optional<Msg> receive_until_impl(const std::optional<TimePoint>& deadline, Pred match) {
    if (stop_requested_) throw detail::ActorExitNow{ExitReason::normal()};
    check_kill();
    if (WEFT_UNLIKELY(cell_->has_orphaned_asks())) cell_->settle_orphaned_asks(nullptr);
    if (stash_ != nullptr) {
      for (auto it = stash_->begin(); it != stash_->end(); ++it) {
        if (match(std::as_const(*it))) {
          std::optional<Msg> found(std::move(*it));
          stash_->erase(it);
          return found;
        }
      }
    }
    for (;;) {
      std::optional<Msg> message;
      switch (cell_->mailbox().take(message, deadline)) {
        case detail::Took::nothing: return std::nullopt;
        case detail::Took::stop: throw detail::ActorExitNow{ExitReason::normal()};
        case detail::Took::message: break;
      }
      if (match(std::as_const(*message))) return message;
      if (stash_ == nullptr) stash_ = std::make_unique<std::deque<Msg>>();
      stash_->push_back(std::move(*message));
    }
  }

  const std::shared_ptr<detail::ActorCellOf<Msg>>& cell_;
  // Skipped by selective receives, oldest first; made when the first message is skipped
  // (a deque allocates even when empty, and most actors never receive selectively).
  std::unique_ptr<std::deque<Msg>> stash_;
  bool stop_requested_ = false;
};

}  // namespace weft
