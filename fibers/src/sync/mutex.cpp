// weft::Mutex over an OwnerLock, with lock-order checks (weft/sync/mutex.hpp).
#include "weft/sync/mutex.hpp"

#include "sync/announce_name.hpp"
#include "sync/describe_fiber.hpp"
#include "weft/errors.hpp"

namespace weft {

Mutex::~Mutex() { core_.destroying("a mutex", this); }

bool Mutex::acquire(std::optional<TimePoint> deadline, bool cancellable, bool check_order,
                    const char* call) {
  sched::Fiber& self = sched::require_fiber(call);
  detail::announce_name(this, identity_.name());
  schedule_point(sched::Op::Lock, this);
  if (core_.owner() == &self)
    throw UsageError(std::string(call) + ": " + detail::describe(self) + " locks " +
                     identity_.label() + " again while holding it (use weft::RecursiveMutex)");
  if (check_order) LockOrderChecker::global().before_lock(identity_);
  const sched::WaitRecord record{sched::WaitKind::Mutex, this, identity_.name().c_str(), core_.owner_slot()};
  if (!core_.acquire(self, deadline, cancellable, record)) return false;
  sched::hb_acquire(this);
  LockOrderChecker::global().acquired(identity_);
  return true;
}

void Mutex::lock() { acquire(std::nullopt, true, true, "weft::Mutex::lock"); }

bool Mutex::try_lock() {
  sched::Fiber& self = sched::require_fiber("weft::Mutex::try_lock");
  detail::announce_name(this, identity_.name());
  schedule_point(sched::Op::Lock, this);
  if (core_.owner() == &self)
    throw UsageError("weft::Mutex::try_lock: " + detail::describe(self) + " tries to lock " +
                     identity_.label() + " again while holding it (use weft::RecursiveMutex)");
  if (!core_.try_acquire(self)) return false;
  sched::hb_acquire(this);
  LockOrderChecker::global().acquired(identity_);
  return true;
}

bool Mutex::try_lock_until(TimePoint deadline) {
  return acquire(detail::finite(deadline), true, false, "weft::Mutex::try_lock_until");
}

void Mutex::unlock() {
  sched::Fiber* self = sched::current_fiber();
  schedule_point(sched::Op::Unlock, this);
  if (self == nullptr || core_.owner() != self)
    throw UsageError("weft::Mutex::unlock: " + detail::describe_current() + " unlocks " +
                     identity_.label() + ", which is " + core_.owner_description());
  LockOrderChecker::global().released(identity_);
  sched::hb_release(this);
  core_.release();
}

bool Mutex::held_by_current() const noexcept {
  sched::Fiber* self = sched::current_fiber();
  return self != nullptr && core_.owner() == self;
}

}  // namespace weft
