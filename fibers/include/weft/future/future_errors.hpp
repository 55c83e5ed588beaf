// The exceptions of futures and executors.
#pragma once

#include "weft/errors.hpp"

namespace weft {

// Stored in a future whose Promise was destroyed (or moved over) without a value or an
// exception: get() on that future throws it.
class BrokenPromise : public Error {
 public:
  BrokenPromise() : Error("weft::Future: the promise was destroyed without setting a result") {}
};

// Stored in the future of a task that an Executor dropped from its queue on
// shutdown(ShutdownMode::cancel) before it ran. Derives from Cancelled, so one handler
// covers dropped tasks and running tasks that were cancelled.
class TaskCancelled : public Cancelled {
 public:
  const char* what() const noexcept override {
    return "weft::Executor: the task was dropped by shutdown(cancel) before it ran";
  }
};

}  // namespace weft
