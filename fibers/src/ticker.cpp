// weft::Ticker and weft::PeriodicTimer (weft/ticker.hpp).
#include "weft/ticker.hpp"

#include <mutex>

#include "join_for_destructor.hpp"
#include "queue_wait.hpp"
#include "weft/errors.hpp"

namespace weft {

Ticker::Ticker(Duration period) : period_(period), start_(sched::now()) {
  if (period <= Duration::zero()) throw UsageError("weft::Ticker: the period must be positive");
}

Ticker::~Ticker() {
  if (!waiters_.empty()) sched::detail::destroyed_while_waited("a ticker", this, {&waiters_});
}

std::uint64_t Ticker::wait_tick() {
  sched::require_fiber("weft::Ticker::wait_tick");
  schedule_point(sched::Op::Wait, this);
  std::unique_lock guard(lock_);
  for (;;) {
    if (stopped_) return 0;
    const Duration since = sched::now() - start_;  // negative if made on another clock
    const auto elapsed =
        since > Duration::zero() ? static_cast<std::uint64_t>(since / period_) : std::uint64_t{0};
    if (elapsed > consumed_) {
      const std::uint64_t ticks = elapsed - consumed_;
      consumed_ = elapsed;
      return ticks;
    }
    const TimePoint next = tick_time(consumed_ + 1);
    sched::WaitOutcome outcome = detail::wait_in(
        lock_, waiters_, sched::WaitRecord{sched::WaitKind::Sleep, this, "ticker"}, detail::finite(next));
    if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
    // Timeout: the tick is due; Notified: stopped. Either way the loop decides.
  }
}

TimePoint Ticker::tick_time(std::uint64_t n) const noexcept {
  const Duration room = TimePoint::max() - start_;
  if (period_ > room / static_cast<Duration::rep>(n)) return TimePoint::max();  // never
  return start_ + period_ * static_cast<Duration::rep>(n);
}

void Ticker::stop() {
  schedule_point(sched::Op::Notify, this);
  std::lock_guard guard(lock_);
  stopped_ = true;
  waiters_.notify_all();
}

bool Ticker::stopped() const noexcept {
  std::lock_guard guard(lock_);
  return stopped_;
}

PeriodicTimer::PeriodicTimer(Duration period, std::function<void()> callback,
                             SpawnOptions options)
    : state_(std::make_shared<State>(period, std::move(callback))) {
  if (options.name.empty()) options.name = "periodic timer";
  driver_ = spawn(
      [state = state_] {
        while (state->ticker.wait_tick() != 0) {
          state->runs.fetch_add(1, std::memory_order_relaxed);
          state->callback();
        }
      },
      std::move(options));
}

PeriodicTimer::~PeriodicTimer() {
  stop();
  detail::join_for_destructor(driver_);
}

void PeriodicTimer::stop() { state_->ticker.stop(); }

void PeriodicTimer::join() { driver_.join(); }

}  // namespace weft
