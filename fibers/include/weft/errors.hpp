// The exceptions weft throws: Error and its kinds UsageError, Cancelled and
// DeadlockError (see weft/sched/errors.hpp for when each is thrown). The kernel's own
// types, named in the user's namespace.
#pragma once

#include "weft/sched/errors.hpp"

namespace weft {

using sched::Cancelled;
using sched::DeadlockError;
using sched::Error;
using sched::UsageError;

}  // namespace weft
