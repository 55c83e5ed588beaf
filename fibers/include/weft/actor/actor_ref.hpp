// ActorRef<Msg>: the typed handle to an actor whose messages are Msg (one type, or a
// std::variant of the types it handles). What spawn_actor returns.
//
// Copyable, cheap (a shared pointer), comparable and hashable, usable from any fiber;
// tell() also from plain threads. Sending a type the actor does not take is a compile
// error. Messages are moved into the mailbox, never copied: tell() takes rvalues only
// (std::move a variable, or pass a temporary).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>

#include "weft/actor/actor_address.hpp"
#include "weft/actor/ask.hpp"
#include "weft/actor/detail/message_traits.hpp"
#include "weft/actor/detail/typed_cell.hpp"
#include "weft/actor/mailbox.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/future/future.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/macros.hpp"
#include "weft/spawn.hpp"

namespace weft {

template <class Msg>
class ActorRef {
 public:
  using message_type = Msg;

  ActorRef() = default;  // empty: refers to no actor
  explicit ActorRef(std::shared_ptr<detail::ActorCellOf<Msg>> cell) noexcept : cell_(std::move(cell)) {}

  // The typed reference of `address` if its actor takes Msg, else nothing.
  static std::optional<ActorRef> from(const ActorAddress& address) {
    auto typed = std::dynamic_pointer_cast<detail::ActorCellOf<Msg>>(address.shared_cell());
    if (!typed) return std::nullopt;
    return ActorRef(std::move(typed));
  }

  explicit operator bool() const noexcept { return cell_ != nullptr; }
  ActorAddress address() const { return ActorAddress(cell_); }
  operator ActorAddress() const { return address(); }  // NOLINT: an address is a view of a ref
  std::uint64_t id() const { return cell("id").id(); }
  const std::string& name() const { return cell("name").name(); }
  bool alive() const { return cell("alive").alive(); }

  // ---- tell ---------------------------------------------------------------------------

  // Puts `message` in the actor's mailbox. Returns delivered, dead (the actor has exited;
  // the message is dropped), or for a full bounded mailbox by its policy: waits for room
  // (block), dropped (drop), or throws MailboxFull (fail). Any fiber; plain threads too,
  // except to a full mailbox with policy block. A fiber that has sent 256 messages while
  // the actor never caught up (never waited for mail) yields once, so that the actor
  // gets to run: on one worker a tell can be where other fibers run.
  template <class M>
    requires detail::Sendable<Msg, M>
  Delivery tell(M&& message, std::source_location where = std::source_location::current()) const {
    return put(std::move(message), std::nullopt, "tell ", where);
  }
  // As tell, giving up on a full mailbox (policy block) at `deadline` with timeout.
  template <class M>
    requires detail::Sendable<Msg, M>
  Delivery tell_until(M&& message, TimePoint deadline,
                      std::source_location where = std::source_location::current()) const {
    return put(std::move(message), deadline, "tell ", where);
  }
  template <class M, class Rep, class Period>
    requires detail::Sendable<Msg, M>
  Delivery tell_for(M&& message, std::chrono::duration<Rep, Period> timeout,
                    std::source_location where = std::source_location::current()) const {
    return put(std::move(message), detail::deadline_after(timeout), "tell ", where);
  }

  // ---- ask ----------------------------------------------------------------------------

  // Sends Ask<Request, Reply>{request} (Msg must have exactly one such alternative) and
  // returns the future of the reply; see weft/actor/ask.hpp for every way it completes.
  // Never throws for the delivery: a full bounded mailbox completes the future with
  // MailboxFull (policies drop and fail) or makes the caller wait for room until the
  // timeout (block: AskTimeout). The timeout is measured by a small fiber of the
  // caller's runtime, which ends as soon as the ask is answered. Fibers only.
  template <class Request, class Rep, class Period>
    requires(!std::is_lvalue_reference_v<Request>)
  auto ask(Request&& request, std::chrono::duration<Rep, Period> timeout,
           std::source_location where = std::source_location::current()) const {
    using Req = std::remove_cvref_t<Request>;
    using Traits = detail::ask_reply<Msg, Req>;
    static_assert(Traits::count == 1,
                  "weft::ActorRef::ask: the actor's message type needs exactly one "
                  "Ask<Request, Reply> alternative for this request type");
    using Reply = typename Traits::type;
    detail::ActorCellOf<Msg>& target = cell("ask");
    auto state = std::make_shared<detail::AskState<Reply>>(cell_);
    Future<Reply> future = state->future();
    const TimePoint deadline = detail::deadline_after(timeout);
    // The timer first: outside a fiber this throws before anything is sent. It ends as
    // soon as the ask is settled, whichever way.
    spawn([state, deadline] { state->time_out_at(deadline); }, SpawnOptions{.name = "ask timeout"})
        .detach();
    auto letter = std::make_unique<detail::Envelope<Msg>>(Msg(Ask<Req, Reply>(std::move(request), state)));
    describe<Req>("ask ");
    Delivery delivery;
    try {
      delivery = target.mailbox().put(letter, deadline, false, where);
    } catch (const MailboxFull&) {
      delivery = Delivery::dropped;
    }
    // Undelivered: say why before the letter's Ask is destroyed (a dead actor's Ask
    // says so itself).
    if (delivery == Delivery::dropped)
      state->set_exception(std::make_exception_ptr(MailboxFull(target.name())));
    else if (delivery == Delivery::timeout)
      state->set_exception(std::make_exception_ptr(AskTimeout(target.name())));
    return future;
  }

  // ---- lifecycle ----------------------------------------------------------------------

  // Asks the actor to stop after the messages already in its mailbox: it exits normal()
  // when it reaches this point (ignoring the capacity of a bounded mailbox).
  void stop() const { cell("stop").post_stop(); }
  // See ActorAddress::exit.
  void exit(const ExitReason& reason) const { address().exit(reason); }
  // See ActorAddress::wait.
  ExitReason wait() const { return address().wait(); }
  template <class Rep, class Period>
  std::optional<ExitReason> wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return address().wait_for(timeout);
  }
  // Letters waiting in a bounded mailbox (0 for unbounded ones).
  std::size_t mailbox_size() const { return cell("mailbox_size").mailbox().size(); }

  friend bool operator==(const ActorRef& a, const ActorRef& b) noexcept { return a.cell_ == b.cell_; }
  const std::shared_ptr<detail::ActorCellOf<Msg>>& shared_cell() const noexcept { return cell_; }

 private:
  template <class M>
  Delivery put(M&& message, const std::optional<TimePoint>& deadline, const char* verb,
               std::source_location where) const {
    describe<std::remove_cvref_t<M>>(verb);
    auto letter = std::make_unique<detail::Envelope<Msg>>(Msg(std::move(message)));
    return cell("tell").mailbox().put(letter, deadline, false, where);
  }
  // Under the checker: names the message of the send about to happen ("tell Withdraw").
  template <class M>
  static void describe(const char* verb) {
    if (sched::Instrumentation* hooks = sched::detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
      hooks->on_message((std::string(verb) + std::string(detail::type_name<M>())).c_str());
  }
  detail::ActorCellOf<Msg>& cell(const char* call) const {
    if (!cell_) throw UsageError(std::string("weft::ActorRef::") + call + ": the reference is empty");
    return *cell_;
  }

  std::shared_ptr<detail::ActorCellOf<Msg>> cell_;
};

}  // namespace weft

template <class Msg>
struct std::hash<weft::ActorRef<Msg>> {
  std::size_t operator()(const weft::ActorRef<Msg>& r) const noexcept {
    return std::hash<const void*>{}(r.shared_cell().get());
  }
};
