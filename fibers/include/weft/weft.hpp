// weft: fibers on Boost.Context with a scheduler every wait goes through.
// Include this header for the whole user API.
#pragma once

#include "weft/dump.hpp"
#include "weft/fiber_local.hpp"
#include "weft/sched/errors.hpp"
#include "weft/spawn.hpp"
#include "weft/this_fiber.hpp"
