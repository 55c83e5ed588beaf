// Supervisors (Erlang/OTP's): an actor that starts child actors, links them, and
// restarts them when they exit, by a strategy and within a restart intensity.
//
//   weft::Supervisor sup = weft::spawn_supervisor(
//       {.name = "workers", .strategy = weft::Strategy::one_for_one,
//        .max_restarts = 3, .within = 5s},
//       {weft::child<Parser>("parser"), weft::child<Cache>("cache", 1024).with(weft::Restart::transient)});
//   auto parser = sup.child<Parser::Message>("parser");   // the current incarnation
//
// Strategies, when a child exits and is to be restarted:
//   one_for_one   only that child is restarted
//   one_for_all   the other children are shut down (in reverse start order), then all
//                 are started again in order
//   rest_for_one  the children started after it are shut down (in reverse order), then
//                 it and they are started again in order
// Restart policies of a child: permanent (always restarted), transient (only after a
// crash: a reason other than normal or shutdown), temporary (never).
// Intensity: a restart that makes more than max_restarts within `within` makes the
// supervisor give up: it shuts every child down and exits with an error reason saying
// so (which a supervisor above it sees like any crash).
//
// Shutting a child down: exit(shutdown()), then exit(killed()) if it has not ended after
// its spec's `shutdown` time. stop() on the supervisor (or exit with any reason) shuts
// every child down in reverse start order, then the supervisor exits.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/actor/actor_address.hpp"
#include "weft/actor/actor_ref.hpp"
#include "weft/actor/spawn_actor.hpp"
#include "weft/time.hpp"

namespace weft {

enum class Strategy { one_for_one, one_for_all, rest_for_one };
enum class Restart { permanent, transient, temporary };

const char* to_string(Strategy strategy) noexcept;
const char* to_string(Restart restart) noexcept;

// How to start one child, and what to do when it exits.
struct ChildSpec {
  std::string name;
  // Starts the child with the options the supervisor gives (its name, and a link to the
  // supervisor: the child must be spawned with them). child<B>() below writes it.
  std::function<ActorAddress(ActorOptions)> start;
  Restart restart = Restart::permanent;
  Duration shutdown = std::chrono::seconds(5);   // grace before a shut-down child is killed

  ChildSpec with(Restart policy) && {
    restart = policy;
    return std::move(*this);
  }
  ChildSpec with_shutdown(Duration grace) && {
    shutdown = grace;
    return std::move(*this);
  }
};

// A child running Behaviour, constructed from copies of `args` at each (re)start.
template <class Behaviour, class... Args>
ChildSpec child(std::string name, Args... args) {
  return ChildSpec{std::move(name), [args...](ActorOptions options) {
                     return spawn_actor<Behaviour>(std::move(options), args...).address();
                   }};
}

struct SupervisorOptions {
  std::string name = "supervisor";
  Strategy strategy = Strategy::one_for_one;
  int max_restarts = 3;                          // at most this many restarts ...
  Duration within = std::chrono::seconds(5);     // ... in any period this long
  ActorAddress link{};                           // e.g. the supervisor above (see supervisor_child)
};

namespace detail {
struct SupervisorState;
}

// The handle spawn_supervisor returns. Copyable; any fiber.
class Supervisor {
 public:
  Supervisor() = default;
  ActorAddress address() const;
  // The current incarnation of the child `name` (nothing while it is being restarted or
  // after it ended for good). Throws UsageError for an unknown name or a child whose
  // message type is not Msg.
  template <class Msg>
  std::optional<ActorRef<Msg>> child(const std::string& name) const {
    const std::optional<ActorAddress> address = child_address(name);
    if (!address) return std::nullopt;
    std::optional<ActorRef<Msg>> typed = ActorRef<Msg>::from(*address);
    if (!typed) throw UsageError("weft::Supervisor::child: '" + name + "' takes another message type");
    return typed;
  }
  std::optional<ActorAddress> child_address(const std::string& name) const;
  // Restarts so far (every child counted).
  std::size_t restarts() const;
  // Shuts the children down, then the supervisor exits normal().
  void stop() const;
  ExitReason wait() const { return address().wait(); }
  template <class Rep, class Period>
  std::optional<ExitReason> wait_for(std::chrono::duration<Rep, Period> timeout) const {
    return address().wait_for(timeout);
  }

 private:
  friend Supervisor spawn_supervisor(SupervisorOptions options, std::vector<ChildSpec> children);
  Supervisor(ActorAddress self, std::shared_ptr<detail::SupervisorState> state)
      : self_(std::move(self)), state_(std::move(state)) {}
  ActorAddress self_;
  std::shared_ptr<detail::SupervisorState> state_;
};

// Starts a supervisor actor, which starts `children` in order. A child whose start
// throws makes the supervisor exit with that error (the children started before are
// shut down). Throws UsageError outside a runtime, for an empty or duplicate child name.
Supervisor spawn_supervisor(SupervisorOptions options, std::vector<ChildSpec> children);

// A child that is itself a supervisor (supervision trees).
ChildSpec supervisor_child(SupervisorOptions options, std::vector<ChildSpec> children);

}  // namespace weft
