// Invariants (under lock_): writer_ and readers_ are never both set; while the lock is
// free no claimable writer waits; readers wait only while a writer holds the lock or is
// queued. Every path that ends a hold, or removes the last queued writer, restores them.
#include "weft/sync/shared_mutex.hpp"

#include <mutex>

#include "queue_wait.hpp"
#include "sync/announce_name.hpp"
#include "sync/describe_fiber.hpp"
#include "sync/notified_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

SharedMutex::~SharedMutex() {
  if (!waiting_writers_.empty() || !waiting_readers_.empty())
    sched::detail::destroyed_while_waited("a shared mutex", this, {&waiting_writers_, &waiting_readers_});
  if (sched::Fiber* w = writer_.load(std::memory_order_relaxed))
    sched::detail::destroyed_while_held("a shared mutex", this, w);
  else if (readers_ != 0)
    sched::detail::destroyed_while_held("a shared mutex", this, nullptr);
  if (sched::Fiber* w = writer_.load(std::memory_order_relaxed)) w->release();
}

std::string SharedMutex::label() const {
  return name_.empty() ? std::string("a shared mutex") : "shared mutex '" + name_ + "'";
}

void SharedMutex::set_writer(sched::Fiber* fiber) noexcept {
  if (fiber) fiber->retain();  // named in reports even after it ended
  writer_.store(fiber, std::memory_order_relaxed);
}

void SharedMutex::admit_readers() noexcept {
  while (sched::Waiter* w = detail::claim_first(waiting_readers_)) {
    ++readers_;
    sched::wake(w->ticket);
  }
}

// The lock just became free: the first waiting writer gets it, else all waiting readers.
void SharedMutex::hand_off() noexcept {
  if (sched::Waiter* w = detail::claim_first(waiting_writers_)) {
    set_writer(w->ticket.fiber);
    sched::wake(w->ticket);
    return;
  }
  admit_readers();
}

bool SharedMutex::acquire(std::optional<TimePoint> deadline, const char* call) {
  sched::Fiber& self = sched::require_fiber(call);
  detail::announce_name(this, name_);
  schedule_point(sched::Op::Lock, this);
  if (writer_.load(std::memory_order_relaxed) == &self)
    throw UsageError(std::string(call) + ": " + detail::describe(self) +
                     " locks " + label() + " again while holding it");
  std::unique_lock guard(lock_);
  for (;;) {
    if (writer_.load(std::memory_order_relaxed) == nullptr && readers_ == 0) {
      set_writer(&self);
      break;
    }
    if (deadline && *deadline <= sched::now()) return false;
    sched::WaitOutcome outcome =
        detail::wait_in(lock_, waiting_writers_, wait_record(), deadline);
    if (outcome.reason == sched::WakeReason::Notified) break;  // handed over by the last holder
    // Leaving the queue: if no writer holds or awaits it now, readers held back only by
    // writer preference may go in.
    if (writer_.load(std::memory_order_relaxed) == nullptr && waiting_writers_.empty())
      admit_readers();
    if (outcome.reason == sched::WakeReason::Timeout) return false;
    throw Cancelled();
  }
  guard.unlock();
  sched::hb_acquire(this);
  return true;
}

void SharedMutex::lock() { acquire(std::nullopt, "weft::SharedMutex::lock"); }

bool SharedMutex::try_lock() {
  sched::require_fiber("weft::SharedMutex::try_lock");
  detail::announce_name(this, name_);
  schedule_point(sched::Op::Lock, this);
  sched::Fiber* self = sched::current_fiber();
  {
    std::lock_guard guard(lock_);
    if (writer_.load(std::memory_order_relaxed) != nullptr || readers_ != 0) return false;
    set_writer(self);
  }
  sched::hb_acquire(this);
  return true;
}

bool SharedMutex::try_lock_until(TimePoint deadline) {
  return acquire(detail::finite(deadline), "weft::SharedMutex::try_lock_until");
}

void SharedMutex::unlock() {
  sched::Fiber* self = sched::current_fiber();
  schedule_point(sched::Op::Unlock, this);
  std::unique_lock guard(lock_);
  sched::Fiber* writer = writer_.load(std::memory_order_relaxed);
  if (self == nullptr || writer != self) {
    std::string held = "not locked";
    if (writer)
      held = "held exclusively by " + detail::describe(*writer);
    else if (readers_ != 0)
      held = "held shared by " + std::to_string(readers_) + " fiber(s)";
    throw UsageError("weft::SharedMutex::unlock: " + detail::describe_current() + " unlocks " +
                     label() + ", which is " + held);
  }
  sched::hb_release(this);
  writer_.store(nullptr, std::memory_order_relaxed);
  hand_off();
  guard.unlock();
  self->release();  // the caller: still alive, the runtime holds it
}

bool SharedMutex::acquire_shared(std::optional<TimePoint> deadline, const char* call) {
  sched::Fiber& self = sched::require_fiber(call);
  detail::announce_name(this, name_);
  schedule_point(sched::Op::Lock, this);
  if (writer_.load(std::memory_order_relaxed) == &self)
    throw UsageError(std::string(call) + ": " + detail::describe(self) +
                     " locks " + label() + " shared while holding it exclusively");
  std::unique_lock guard(lock_);
  if (writer_.load(std::memory_order_relaxed) == nullptr && waiting_writers_.empty()) {
    ++readers_;
  } else if (!detail::wait_notified(lock_, waiting_readers_,
                                    wait_record(), deadline)) {
    return false;
  }
  // Held shared: counted above, or admitted (and counted) by the fiber that let readers in.
  guard.unlock();
  sched::hb_acquire(this);
  return true;
}

void SharedMutex::lock_shared() { acquire_shared(std::nullopt, "weft::SharedMutex::lock_shared"); }

bool SharedMutex::try_lock_shared() {
  sched::require_fiber("weft::SharedMutex::try_lock_shared");
  detail::announce_name(this, name_);
  schedule_point(sched::Op::Lock, this);
  {
    std::lock_guard guard(lock_);
    if (writer_.load(std::memory_order_relaxed) != nullptr || !waiting_writers_.empty())
      return false;
    ++readers_;
  }
  sched::hb_acquire(this);
  return true;
}

bool SharedMutex::try_lock_shared_until(TimePoint deadline) {
  return acquire_shared(detail::finite(deadline), "weft::SharedMutex::try_lock_shared_until");
}

void SharedMutex::unlock_shared() {
  schedule_point(sched::Op::Unlock, this);
  std::lock_guard guard(lock_);
  if (readers_ == 0)
    throw UsageError("weft::SharedMutex::unlock_shared: " + detail::describe_current() +
                     " releases a shared hold of " + label() + ", but nobody holds it shared");
  sched::hb_release(this);
  if (--readers_ == 0) hand_off();
}

std::size_t SharedMutex::reader_count() const noexcept {
  std::lock_guard guard(lock_);
  return readers_;
}

bool SharedMutex::is_locked_exclusive() const noexcept {
  return writer_.load(std::memory_order_relaxed) != nullptr;
}

}  // namespace weft
