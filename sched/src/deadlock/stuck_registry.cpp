// Runtimes stuck at once across the process (see stuck_registry.hpp).
#include "deadlock/stuck_registry.hpp"

#include <algorithm>

#include "worker.hpp"

namespace weft::sched::detail {

namespace {
void erase(std::vector<Worker*>& list, Worker* w) {
  list.erase(std::remove(list.begin(), list.end(), w), list.end());
}
}  // namespace

StuckRegistry& StuckRegistry::instance() {
  static StuckRegistry registry;
  return registry;
}

void StuckRegistry::enter(Worker& worker) {
  std::lock_guard guard(mutex_);
  running_.push_back(&worker);
}

void StuckRegistry::leave(Worker& worker) {
  std::lock_guard guard(mutex_);
  erase(running_, &worker);
  erase(stuck_, &worker);
  // The ones left may all be stuck now. They look again rather than being declared
  // deadlocked here: a runtime that is still starting on another thread may wake them,
  // and Worker::run gives such threads a grace period.
  if (all_stuck())
    for (Worker* w : stuck_) w->wake_idle();
}

StuckRegistry::Mark StuckRegistry::mark_stuck(Worker& worker) {
  std::lock_guard guard(mutex_);
  worker.set_stuck(true);
  if (worker.has_inbox_work()) {  // a wake-up arrived: not stuck after all
    worker.set_stuck(false);
    return {generation_, false, false, 0};
  }
  stuck_.push_back(&worker);
  std::uint64_t progress = 0;
  for (const Worker* w : running_) progress += w->progress();
  return {generation_, true, all_stuck(), progress};
}

bool StuckRegistry::declare(Worker& worker, bool* alone) {
  std::lock_guard guard(mutex_);
  if (alone) *alone = alone_locked(worker);
  // A wake-up may have revived it since it was marked, or a runtime (a worker) that can
  // wake it may have started since then: then there is no deadlock (yet).
  const bool still_stuck = std::find(stuck_.begin(), stuck_.end(), &worker) != stuck_.end();
  const bool everyone = all_stuck();
  erase(stuck_, &worker);
  worker.set_stuck(false);
  if (!still_stuck || !everyone || worker.has_inbox_work()) return false;
  declare_locked();
  return true;
}

bool StuckRegistry::unmark(Worker& worker, std::uint64_t generation) {
  std::lock_guard guard(mutex_);
  erase(stuck_, &worker);
  worker.set_stuck(false);
  return generation_ != generation;
}

void StuckRegistry::revive(Worker& worker) {
  std::lock_guard guard(mutex_);
  erase(stuck_, &worker);
  worker.set_stuck(false);
}

void StuckRegistry::declare_locked() {
  ++generation_;
  for (Worker* w : stuck_) w->wake_idle();
}

bool StuckRegistry::alone(const Worker& worker) {
  std::lock_guard guard(mutex_);
  return alone_locked(worker);
}

bool StuckRegistry::alone_locked(const Worker& worker) const {
  for (const Worker* w : running_)
    if (&w->scheduler() != &worker.scheduler()) return false;
  return true;
}

}  // namespace weft::sched::detail
