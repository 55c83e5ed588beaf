// weft::Timer (weft/timer.hpp).
#include "weft/timer.hpp"

#include <algorithm>
#include <mutex>

#include "join_for_destructor.hpp"
#include "queue_wait.hpp"

namespace weft {

Timer::Timer(Duration delay, std::function<void()> callback, SpawnOptions options)
    : state_(std::make_shared<State>()) {
  state_->deadline = detail::deadline_after(delay);  // TimePoint::max(): never fires
  state_->callback = std::move(callback);
  if (options.name.empty()) options.name = "timer";
  driver_ = spawn([state = state_] { drive(*state); }, std::move(options));
}

Timer::~Timer() {
  cancel();
  detail::join_for_destructor(driver_);
}

void Timer::drive(State& state) {
  schedule_point(sched::Op::Wait, &state);
  std::unique_lock guard(state.lock);
  while (state.status == Status::Armed) {
    if (sched::now() >= state.deadline) {
      state.status = Status::Fired;
      break;
    }
    sched::WaitOutcome outcome = detail::wait_in(
        state.lock, state.waiters, sched::WaitRecord{sched::WaitKind::Sleep, &state, "timer"},
        detail::finite(state.deadline));
    // The driver itself cancelled (only the runtime can): the callback will not run.
    if (outcome.reason == sched::WakeReason::Cancelled) state.status = Status::Cancelled;
  }
  const bool run = state.status == Status::Fired;
  guard.unlock();
  if (run) state.callback();
}

bool Timer::cancel() {
  schedule_point(sched::Op::Notify, state_.get());
  std::lock_guard guard(state_->lock);
  if (state_->status != Status::Armed) return false;
  state_->status = Status::Cancelled;
  state_->waiters.notify_all();
  return true;
}

bool Timer::fired() const noexcept {
  std::lock_guard guard(state_->lock);
  return state_->status == Status::Fired;
}

void Timer::join() { driver_.join(); }

}  // namespace weft
