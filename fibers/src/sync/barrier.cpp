// weft::Barrier (weft/sync/barrier.hpp).
#include "weft/sync/barrier.hpp"

#include <exception>
#include <mutex>

#include "queue_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

Barrier::Barrier(std::size_t parties, std::function<void()> completion)
    : parties_(parties), completion_(std::move(completion)) {
  if (parties == 0) throw UsageError("weft::Barrier: the number of parties must be at least 1");
}

Barrier::~Barrier() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a barrier", this, {&waiters_});
}

// Called with the lock held when the last expected fiber arrived; returns with it held.
void Barrier::complete_phase(std::unique_lock<sched::detail::SpinLock>& guard) {
  std::exception_ptr error;
  if (completion_) {
    completing_ = true;
    guard.unlock();  // the completion may block or yield
    try {
      sched::hb_acquire(this);
      completion_();
    } catch (...) {
      error = std::current_exception();
    }
    guard.lock();
    completing_ = false;
  }
  arrived_ = 0;
  ++phase_;
  sched::hb_release(this);
  waiters_.notify_all();
  if (error) std::rethrow_exception(error);
}

bool Barrier::arrive_and_wait() {
  sched::require_fiber("weft::Barrier::arrive_and_wait");
  schedule_point(sched::Op::Wait, this);
  std::unique_lock guard(lock_);
  const sched::WaitRecord record{sched::WaitKind::Barrier, this, "barrier"};
  // While the completion function runs, the phase is full: an arrival now belongs to
  // the next phase, so it waits for that phase to begin (nothing has arrived if the
  // fiber is cancelled meanwhile).
  while (completing_) {
    if (detail::wait_in(lock_, waiters_, record, std::nullopt).reason == sched::WakeReason::Cancelled)
      throw Cancelled();
  }
  sched::hb_release(this);
  if (++arrived_ == parties_) {
    complete_phase(guard);
    guard.unlock();
    sched::hb_acquire(this);
    return true;
  }
  const std::uint64_t my_phase = phase_;
  sched::WaitOutcome outcome = detail::wait_in(lock_, waiters_, record, std::nullopt);
  if (outcome.reason == sched::WakeReason::Cancelled) {
    if (phase_ == my_phase && !completing_) --arrived_;  // withdraw the arrival
    throw Cancelled();
  }
  guard.unlock();
  sched::hb_acquire(this);
  return false;
}

void Barrier::arrive_and_drop() {
  schedule_point(sched::Op::Notify, this);
  std::unique_lock guard(lock_);
  if (parties_ == 0) throw UsageError("weft::Barrier::arrive_and_drop: no party is left to drop");
  sched::hb_release(this);
  --parties_;
  // During the completion function the phase is full already: the drop counts from the
  // next phase on.
  if (!completing_ && parties_ > 0 && arrived_ == parties_) complete_phase(guard);
}

std::size_t Barrier::parties() const noexcept {
  std::lock_guard guard(lock_);
  return parties_;
}

std::uint64_t Barrier::phase() const noexcept {
  std::lock_guard guard(lock_);
  return phase_;
}

}  // namespace weft
