// The interleaving checker: explore(), replay(), Shared/Atomic tracked memory,
// WEFT_ASSERT, and named scenarios for the weft-check command line.
#pragma once

#include "weft/check/explore.hpp"
#include "weft/check/scenario.hpp"
#include "weft/check/schedule.hpp"
#include "weft/check/tracked.hpp"
