// The worker's idle step: what the loop does when no fiber is ready. It moves virtual
// time on, waits in the reactor until the next timer or a wake-up, or -- when nothing
// can ever wake anybody -- gives the deadlock verdict: report, unwind, throw from run().
#include <algorithm>
#include <mutex>
#include <sstream>
#include <vector>

#include "deadlock/deadlock_report.hpp"
#include "deadlock/stuck_registry.hpp"
#include "worker.hpp"

namespace weft::sched::detail {

void Worker::idle_step() {
  std::optional<TimePoint> deadline = timers_.next_deadline();
  if (deadline && clock_->is_virtual()) {
    clock_->advance_to(*deadline);  // nothing can run before the next timer
    return;
  }
  if (!deadline && nothing_can_wake()) {
    deadlock_verdict();
    return;
  }
  reactor_.prepare_wait();
  if (inbox_nonempty_.load(std::memory_order_seq_cst)) {  // posted before the announcement
    reactor_.cancel_wait();
    return;
  }
  std::optional<Duration> timeout;
  if (deadline) timeout = *deadline - clock_->now();
  wait_in_reactor(timeout);
}

void Worker::sleep_idle(std::optional<Duration> timeout) noexcept {
  if (multi_)
    sleep_multi(timeout);
  else
    wait_in_reactor(timeout);  // prepare_wait() was called
}

void Worker::wait_in_reactor(std::optional<Duration> timeout) noexcept {
  idle_waits_.store(idle_waits_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // With several workers the whole idle step counts as waiting (idle_step_multi).
  if (!multi_) waiting_.store(true, std::memory_order_relaxed);
  reactor_.wait(timeout);
  if (!multi_) waiting_.store(false, std::memory_order_relaxed);
}

bool Worker::nothing_can_wake() const noexcept {
  return scheduler_.options_.detect_deadlock &&
         scheduler_.external_waits_.load(std::memory_order_acquire) == 0 &&
         !inbox_nonempty_.load(std::memory_order_acquire) && !reactor_.has_armed();
}

void Worker::deadlock_verdict() {
  if (clock_->is_virtual()) {  // a checker run is a world of its own
    handle_deadlock(true);
    return;
  }
  // Nothing here can wake anybody; another runtime sharing our primitives (or another
  // worker of ours) still may. One worker announces its reactor wait here; several
  // workers announce in sleep_multi, and a wake-up meanwhile leaves a parker permit.
  if (!multi_) reactor_.prepare_wait();
  StuckRegistry& registry = StuckRegistry::instance();
  StuckRegistry::Mark mark = registry.mark_stuck(*this);
  if (!mark.marked) {  // a wake-up arrived meanwhile
    if (!multi_) reactor_.cancel_wait();
    return;
  }
  if (std::optional<Duration> grace =
          deadlock_watch_.grace_left(mark.all_stuck, mark.progress)) {
    registry.unmark(*this, mark.generation);
    sleep_idle(*grace);
    return;
  }
  // With several workers, the count that sent us here may have been read while the
  // last fiber was ending on another worker: once every worker is stuck it is exact.
  auto run_ended = [&] { return multi_ && scheduler_.live_fibers() == 0; };
  bool alone = false;
  if (mark.all_stuck) {
    if (!multi_) reactor_.cancel_wait();
    if (run_ended()) {
      registry.unmark(*this, mark.generation);
      return;
    }
    if (!registry.declare(*this, &alone)) return;
  } else {
    // Others still run: sleep until one of them wakes us or declares the deadlock.
    sleep_idle(std::nullopt);
    if (!registry.unmark(*this, mark.generation) || has_inbox_work() || run_ended()) return;
    alone = registry.alone(*this);
  }
  handle_deadlock(alone);
}

std::vector<const Fiber*> Worker::parked_fibers() const {
  std::vector<const Fiber*> parked;
  OwnerGate::Opened opened(registry_gate_);
  for (const Fiber* f = registry_head_; f; f = f->registry_next_)
    if (f->state() == FiberState::Parked) parked.push_back(f);
  std::reverse(parked.begin(), parked.end());  // oldest first, as dump() lists them
  return parked;
}

void Worker::handle_deadlock(bool alone) {
  // With several workers, worker 0 reports for all and unwinds them all; the others
  // go back to their loops, where the unwound fibers reach them.
  if (multi_ && index_ != 0) return;
  std::vector<const Fiber*> blocked;
  for (const auto& w : scheduler_.workers_) {
    std::vector<const Fiber*> parked = w->parked_fibers();
    blocked.insert(blocked.end(), parked.begin(), parked.end());
  }
  const StuckFibers stuck(blocked, alone);
  std::ostringstream report;
  report << "weft: deadlock: all " << scheduler_.live_fibers() << " remaining fibers are blocked"
         << " and nothing can wake them:\n";
  for (const auto& w : scheduler_.workers_) w->dump(report, &stuck);
  report << stuck.cycle_line();
  deadlock_report_ = report.str();
  if (Instrumentation* hooks = detail::instrumentation()) hooks->on_deadlock(blocked);
  // Unwind every stuck fiber so its destructors run and its stack is returned.
  unwind_all();
}

}  // namespace weft::sched::detail
