// The actor API in one include: spawn_actor and behaviours, ActorRef (tell, ask),
// ActorContext (receive, links, monitors), supervisors, the registry and topics.
#pragma once

#include "weft/actor/actor_address.hpp"
#include "weft/actor/actor_context.hpp"
#include "weft/actor/actor_ref.hpp"
#include "weft/actor/ask.hpp"
#include "weft/actor/exit_reason.hpp"
#include "weft/actor/mailbox.hpp"
#include "weft/actor/registry.hpp"
#include "weft/actor/spawn_actor.hpp"
#include "weft/actor/supervisor.hpp"
#include "weft/actor/topic.hpp"
