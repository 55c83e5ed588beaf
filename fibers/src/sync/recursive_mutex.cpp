// weft::RecursiveMutex over an OwnerLock (weft/sync/recursive_mutex.hpp).
#include "weft/sync/recursive_mutex.hpp"

#include "sync/announce_name.hpp"
#include "sync/describe_fiber.hpp"
#include "weft/errors.hpp"

namespace weft {

RecursiveMutex::~RecursiveMutex() { core_.destroying("a recursive mutex", this); }

bool RecursiveMutex::acquire(std::optional<TimePoint> deadline, bool check_order,
                             const char* call) {
  sched::Fiber& self = sched::require_fiber(call);
  detail::announce_name(this, identity_.name());
  schedule_point(sched::Op::Lock, this);
  if (core_.owner() == &self) {
    ++depth_;
    return true;
  }
  if (check_order) LockOrderChecker::global().before_lock(identity_);
  if (!core_.acquire(self, deadline, true,
                     sched::WaitRecord{sched::WaitKind::Mutex, this, identity_.name().c_str(),
                                       core_.owner_slot()}))
    return false;
  depth_ = 1;
  sched::hb_acquire(this);
  LockOrderChecker::global().acquired(identity_);
  return true;
}

void RecursiveMutex::lock() { acquire(std::nullopt, true, "weft::RecursiveMutex::lock"); }

bool RecursiveMutex::try_lock() {
  sched::Fiber& self = sched::require_fiber("weft::RecursiveMutex::try_lock");
  detail::announce_name(this, identity_.name());
  schedule_point(sched::Op::Lock, this);
  if (core_.owner() == &self) {
    ++depth_;
    return true;
  }
  if (!core_.try_acquire(self)) return false;
  depth_ = 1;
  sched::hb_acquire(this);
  LockOrderChecker::global().acquired(identity_);
  return true;
}

bool RecursiveMutex::try_lock_until(TimePoint deadline) {
  return acquire(detail::finite(deadline), false, "weft::RecursiveMutex::try_lock_until");
}

void RecursiveMutex::unlock() {
  sched::Fiber* self = sched::current_fiber();
  schedule_point(sched::Op::Unlock, this);
  if (self == nullptr || core_.owner() != self)
    throw UsageError("weft::RecursiveMutex::unlock: " + detail::describe_current() +
                     " unlocks " + identity_.label() + ", which is " +
                     core_.owner_description());
  if (--depth_ > 0) return;
  LockOrderChecker::global().released(identity_);
  sched::hb_release(this);
  core_.release();
}

std::size_t RecursiveMutex::depth() const noexcept {
  sched::Fiber* self = sched::current_fiber();
  return self != nullptr && core_.owner() == self ? depth_ : 0;
}

}  // namespace weft
