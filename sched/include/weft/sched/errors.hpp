// The exception types weft throws. Expected outcomes (timeouts, closed channels) are
// values, not exceptions; these are for misuse and for the few conditions a caller
// cannot ignore.
#pragma once

#include <stdexcept>
#include <string>

namespace weft::sched {

// Base of every exception weft throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The API was used against its contract (join twice, join self, spawn outside a
// runtime, unlock by a non-owner, ...). The message names the call and the rule.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Thrown by a blocking call when the waiting fiber was cancelled (JoinHandle::cancel).
// Delivered once per cancel request; the fiber may catch it and clean up.
class Cancelled : public Error {
 public:
  Cancelled() : Error("weft: the fiber was cancelled") {}
};

// Thrown by Runtime::run when every remaining fiber is blocked and nothing can wake
// them. what() holds the report: each fiber, its state and what it waits on.
class DeadlockError : public Error {
 public:
  using Error::Error;
};

namespace detail {
// Thrown inside a blocked fiber to unwind its stack when the runtime shuts it down
// (after a deadlock). Not derived from std::exception on purpose: catch (...) blocks
// in user code must rethrow it.
struct Unwind {};
}  // namespace detail

}  // namespace weft::sched
