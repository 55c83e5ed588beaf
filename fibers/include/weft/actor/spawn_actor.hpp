// spawn_actor<Behaviour>(args...): starts an actor, a fiber with a mailbox, and returns
// its ActorRef<Behaviour::Message>.
//
// A behaviour is a class that names its message type and either handles messages one
// at a time or runs its own loop:
//
//   struct Printer {                                  // one message at a time
//     using Message = std::string;
//     void handle(std::string line) { std::puts(line.c_str()); }
//   };
//   struct Tagged {                                   // tagged dispatch over a variant:
//     using Message = std::variant<A, B>;             // one handle() per alternative, a
//     void handle(A a);                               // missing one is a compile error
//     void handle(B b);
//   };
//   struct Echo {                                     // its own loop
//     using Message = std::variant<Ping, Stop>;
//     void run(weft::ActorContext<Message>& self);    // receive(), receive_if(), ...
//   };
//
// A constructor whose first parameter is ActorContext<Message>& receives the actor's
// context (its self reference, links, monitors). The behaviour is constructed in the
// actor's fiber, and destroyed there just after the actor's exit is announced (asks it
// still holds then fail with ActorExited and the reason).
//
// The actor exits when: run() returns or handle() called stop() (normal); a stop
// letter from ActorRef::stop() is reached (normal); it calls exit(reason); an exception
// escapes the constructor, handle() or run() (error, with that exception); it is killed
// or a linked actor exits (see ActorAddress::exit). A crash that no link or monitor hears
// of goes to the unjoined-exception handler (weft/spawn.hpp), like a fiber's.
//
// A runtime runs until every fiber has finished, actors included: stop them (or the
// supervisor above them) before the runtime's first fiber returns, or run() reports a
// deadlock naming the mailboxes they wait on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "weft/actor/actor_context.hpp"
#include "weft/actor/actor_ref.hpp"
#include "weft/actor/detail/message_traits.hpp"
#include "weft/actor/detail/typed_cell.hpp"
#include "weft/actor/mailbox.hpp"
#include "weft/sched/macros.hpp"
#include "weft/spawn.hpp"

namespace weft {

struct ActorOptions {
  std::string name{};         // in dumps, reports and errors (default "actor-<id>")
  MailboxOptions mailbox{};   // unbounded unless a capacity is given
  ActorAddress link{};        // linked to this actor before it starts (spawn_link)
  bool trap_exits = false;    // trap exits from the start (Message must accept ExitSignal)
  std::size_t stack_size = 0;            // 0: the runtime's default
  std::optional<std::size_t> worker{};   // pin to a worker (see SpawnOptions::worker)
};

namespace detail {

template <class B>
concept HasMessage = requires { typename B::Message; };

template <class B, class Msg>
concept RunsOwnLoop = requires(B& b, ActorContext<Msg>& self) { b.run(self); };

template <class B, class M>
concept Handles = requires(B& b, M&& m) { b.handle(std::move(m)); };

// Calls the behaviour's handle() for `message`: with the whole Msg when it takes that,
// else with the variant's alternative.
template <class B, class Msg>
void dispatch(B& behaviour, Msg&& message) {
  if constexpr (Handles<B, Msg>) {
    behaviour.handle(std::move(message));
  } else {
    static_assert(is_variant<Msg>::value,
                  "weft actor: the behaviour has no handle() for its Message type");
    std::visit(
        [&behaviour]<class Alt>(Alt& alternative) {
          static_assert(Handles<B, Alt>,
                        "weft actor: the behaviour has no handle() for one alternative of its "
                        "Message variant (see the type in this instantiation)");
          behaviour.handle(std::move(alternative));
        },
        message);
  }
}

// Builds the behaviour in `storage`, passing the context first when its constructor
// takes it.
template <class B, class Msg, class Tuple>
void make_behaviour(std::optional<B>& storage, ActorContext<Msg>& self, Tuple& args) {
  std::apply(
      [&](auto&... a) {
        if constexpr (std::is_constructible_v<B, ActorContext<Msg>&, decltype(std::move(a))...>)
          storage.emplace(self, std::move(a)...);
        else
          storage.emplace(std::move(a)...);
      },
      args);
}

// The actor's fiber: build the behaviour, serve the mailbox, announce the exit.
// `behaviour` is storage in the fiber object (on the heap, not the actor's stack: a
// behaviour may be large).
template <class B, class Msg, class Tuple>
void run_actor(const std::shared_ptr<ActorCellOf<Msg>>& cell, Tuple& args, std::optional<B>& behaviour) {
  cell->started(*sched::current_fiber());
  // wait() returns once everything of the actor is gone, its behaviour included.
  struct Gone {
    ActorCell& cell;
    ~Gone() { cell.gone(); }
  } gone{*cell};
  ActorContext<Msg> self(cell);
  // Destroyed after the exit is announced: asks it still holds fail with the reason.
  ExitReason reason = ExitReason::normal();
  const auto announce_exit = [&cell](const ExitReason& why) {
    cell->finish(why);
    cell->settle_orphaned_asks(&why);
  };
  try {
    make_behaviour(behaviour, self, args);
    if constexpr (RunsOwnLoop<B, Msg>) {
      behaviour->run(self);
    } else {
      std::optional<Msg> message;
      for (;;) {
        self.check_kill();
        if (!self.next_message(message)) break;  // a stop letter
        dispatch(*behaviour, std::move(*message));
        message.reset();
        if (WEFT_UNLIKELY(cell->has_orphaned_asks())) cell->settle_orphaned_asks(nullptr);
        if (self.stop_requested()) break;
      }
    }
  } catch (const ActorExitNow& exit) {
    reason = exit.reason;
  } catch (const Cancelled&) {  // a kill cancels the fiber's wait
    reason = cell->pending_kill().value_or(ExitReason::error(std::current_exception()));
  } catch (const sched::detail::Unwind&) {  // the runtime unwinds after a deadlock
    announce_exit(ExitReason::killed());
    behaviour.reset();
    throw;
  } catch (...) {
    reason = ExitReason::error(std::current_exception());
  }
  announce_exit(reason);
  behaviour.reset();
  self.discard_stash();
}

// An actor's fiber object: the cell, the constructor arguments and the behaviour live
// in it, one allocation besides the cell. Nobody joins it (wait() goes through the
// cell), so it starts with the runtime's reference alone.
template <class B, class Msg, class... Args>
class ActorFiber final : public sched::Fiber {
 public:
  template <class... A>
  ActorFiber(std::string&& name, std::shared_ptr<ActorCellOf<Msg>> cell, A&&... args)
      : sched::Fiber(std::move(name)), cell_(std::move(cell)), args_(std::in_place, std::forward<A>(args)...) {}

 private:
  void run() noexcept override {
    try {
      run_actor<B>(cell_, *args_, behaviour_);
    } catch (const sched::detail::Unwind&) {
      // Unwound at shutdown after a deadlock; the runtime reports that.
    } catch (...) {  // announcing the exit failed (out of memory): like a detached fiber's
      report_unjoined(id(), name(), std::current_exception());
    }
    args_.reset();  // what the arguments hold is released on the fiber
    cell_.reset();
  }

  std::shared_ptr<ActorCellOf<Msg>> cell_;
  std::optional<std::tuple<Args...>> args_;
  std::optional<B> behaviour_;
};

template <class First, class... Rest>
inline constexpr bool first_is_options = std::is_same_v<std::remove_cvref_t<First>, ActorOptions>;

}  // namespace detail

// Starts an actor running Behaviour, constructed in its fiber from `args` (decay-copied),
// on the calling fiber's worker. Throws UsageError outside a runtime. When hundreds of
// spawned actors have not started yet, the caller yields once after its spawn so that
// they do: on one worker a spawn_actor can be where other fibers run.
template <class Behaviour, class... Args>
ActorRef<typename Behaviour::Message> spawn_actor(ActorOptions options, Args&&... args) {
  static_assert(detail::HasMessage<Behaviour>,
                "weft::spawn_actor: the behaviour must name its message type: using Message = ...;");
  using Msg = typename Behaviour::Message;
  auto cell = std::make_shared<detail::ActorCellOf<Msg>>(std::move(options.name), options.mailbox);
  if constexpr (detail::accepts_v<Msg, ExitSignal>) cell->set_trap_exits(options.trap_exits);
  else if (options.trap_exits)
    throw UsageError("weft::spawn_actor: trap_exits needs ExitSignal in the Message type");
  if (options.link) detail::ActorCell::link(*cell, options.link.cell());
  const bool yield_after = detail::actor_spawned();
  try {
    auto* fiber = new detail::ActorFiber<Behaviour, Msg, std::decay_t<Args>...>(std::string(cell->name()), cell,
                                                                               std::forward<Args>(args)...);
    sched::start(*fiber, sched::StartOptions{options.stack_size, Launch::Post, options.worker});
  } catch (...) {  // never started (no memory, or start dropped the fiber): nobody may hear of it
    detail::actor_started();  // it never will: uncount it
    if (options.link) detail::ActorCell::unlink(*cell, options.link.cell());
    throw;
  }
  if (WEFT_UNLIKELY(yield_after)) detail::yield_to_new_actors();
  return ActorRef<Msg>(std::move(cell));
}

template <class Behaviour, class... Args>
  requires(sizeof...(Args) == 0 || !detail::first_is_options<Args...>)
ActorRef<typename Behaviour::Message> spawn_actor(Args&&... args) {
  return spawn_actor<Behaviour>(ActorOptions{}, std::forward<Args>(args)...);
}

}  // namespace weft
