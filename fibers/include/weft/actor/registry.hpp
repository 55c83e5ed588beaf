// The actor registry: names for actors, process-wide (as Erlang's registered names are
// node-wide). A name refers to one live actor; when the actor exits its names are
// released before anyone hears of the exit, so a supervisor's restarted child can take
// its name back at once.
#pragma once

#include <optional>
#include <string>

#include "weft/actor/actor_address.hpp"
#include "weft/actor/actor_ref.hpp"
#include "weft/errors.hpp"

namespace weft {

// Registers `actor` as `name`. False when the name is taken or the actor has exited.
// Throws UsageError for an empty name or an empty address. Any fiber or thread.
bool register_actor(const std::string& name, const ActorAddress& actor);
// Removes `name`; false when it was not registered.
bool unregister_actor(const std::string& name);
// The actor registered as `name`, or nothing.
std::optional<ActorAddress> lookup_address(const std::string& name);

// The actor registered as `name` as a typed reference, or nothing. Throws UsageError
// when it is registered but takes another message type than Msg.
template <class Msg>
std::optional<ActorRef<Msg>> lookup(const std::string& name) {
  std::optional<ActorAddress> found = lookup_address(name);
  if (!found) return std::nullopt;
  std::optional<ActorRef<Msg>> typed = ActorRef<Msg>::from(*found);
  if (!typed)
    throw UsageError("weft::lookup: the actor registered as '" + name +
                     "' takes another message type");
  return typed;
}

namespace detail {
// Releases `name` if it still refers to `cell` (the cell's exit).
void registry_release(const std::string& name, const ActorCell* cell) noexcept;
}  // namespace detail

}  // namespace weft
