// weft: fibers on Boost.Context with a scheduler every wait goes through.
// Include this header for the whole user API.
#pragma once

// Runtimes and fibers: run, spawn and join, the calling fiber, fiber-local values, stop
// requests, timers; errors and time.
#include "weft/dump.hpp"
#include "weft/errors.hpp"
#include "weft/fiber_local.hpp"
#include "weft/runtime.hpp"
#include "weft/spawn.hpp"
#include "weft/stats.hpp"
#include "weft/stop_token.hpp"
#include "weft/this_fiber.hpp"
#include "weft/ticker.hpp"
#include "weft/time.hpp"
#include "weft/timer.hpp"

// Sync primitives.
#include "weft/sync/barrier.hpp"
#include "weft/sync/call_once.hpp"
#include "weft/sync/condition_variable.hpp"
#include "weft/sync/event.hpp"
#include "weft/sync/latch.hpp"
#include "weft/sync/lock.hpp"
#include "weft/sync/lock_order.hpp"
#include "weft/sync/mutex.hpp"
#include "weft/sync/recursive_mutex.hpp"
#include "weft/sync/semaphore.hpp"
#include "weft/sync/shared_mutex.hpp"
#include "weft/sync/wait_group.hpp"

// Channels and select.
#include "weft/channel/channel.hpp"
#include "weft/channel/priority_channel.hpp"
#include "weft/channel/select.hpp"

// Futures and executors.
#include "weft/future/as_completed.hpp"
#include "weft/future/executor.hpp"
#include "weft/future/future.hpp"
#include "weft/future/wait_any.hpp"
#include "weft/future/when_all.hpp"
#include "weft/future/when_any.hpp"
#include "weft/blocking.hpp"

// Fiber-aware I/O.
#include "weft/net/address.hpp"
#include "weft/net/deadline.hpp"
#include "weft/net/fd_wait.hpp"
#include "weft/net/select_fd.hpp"
#include "weft/net/file_descriptor.hpp"
#include "weft/net/stream.hpp"
#include "weft/net/tcp.hpp"
#include "weft/net/udp.hpp"
#include "weft/net/unix_socket.hpp"

// Actors: message-passing fibers, supervisors, the registry and topics.
#include "weft/actor.hpp"
