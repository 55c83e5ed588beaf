// A worker's idle step when its scheduler has several (M:N), and the scheduler's side
// of running several workers.
//
// A worker with nothing to run counts itself idle (busy workers then share the older
// half of their queues, see Worker::share_work), searches the other workers' shared
// rings a few rounds, and then sleeps: one idle worker in the reactor (it also waits
// for fds and wakes for timers), the others on their own parker until a timer of
// theirs, a wake-up posted to their inbox, or work shared with them.
//
// A busy worker's push does not fence against a worker that goes idle (the push is the
// busy path): it may miss that one went idle, and then shares at a later push. Once it
// shares, it does fence, and so does a worker before it sleeps: either the sleeper sees
// the shared work or the sharer sees the sleeper and wakes it. A missed share costs
// parallelism for a while, never progress: the sharer runs what it shared itself if
// nobody steals it.
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>
#include <system_error>

#include "deadlock/deadlock_watch.hpp"
#include "deadlock/stuck_registry.hpp"
#include "mn/cpu_pin.hpp"
#include "wait_word.hpp"
#include "weft/sched/spinlock.hpp"
#include "worker.hpp"

namespace weft::sched {

void Scheduler::run_workers(Fiber& first) {
  detail::stop_biasing_new_locks();
  done_.store(false, std::memory_order_relaxed);
  // The caller's CPUs now (it may have moved since the scheduler was made); read by the
  // helpers after their threads start.
  pin_cpus_ = pin_ ? detail::allowed_cpus() : std::vector<int>{};
  struct Stop {  // also when run() throws (a deadlock, a nested runtime)
    Scheduler& s;
    ~Stop() {
      s.stop_helpers();
      s.pin_cpus_.clear();
    }
  } stop{*this};
  workers_.front()->run(first);
}

void Scheduler::start_helpers() {
  for (std::size_t i = 1; i < workers_.size(); ++i) {
    detail::Worker* w = workers_[i].get();
    // A member of the deadlock registry before its thread runs: otherwise worker 0,
    // alone in it with its fibers blocked, would declare a deadlock that the starting
    // helper is about to resolve.
    detail::StuckRegistry::instance().enter(*w);
    try {
      // Counted as weft's own before it exists, so a deadlock verdict meanwhile does not
      // wait the grace period that foreign threads call for.
      auto helper = std::make_unique<detail::DeadlockWatch::HelperThread>();
      helpers_.emplace_back([w, helper = std::move(helper)] { w->run_helper(); });
    } catch (const std::system_error& e) {
      detail::StuckRegistry::instance().leave(*w);
      // Fewer workers run the same fibers, only less in parallel.
      std::fprintf(stderr, "weft: cannot start worker %zu (%s); running on %zu\n", i, e.what(), i);
      break;
    }
  }
}

void Scheduler::stop_helpers() noexcept {
  done_.store(true, std::memory_order_release);
  for (const auto& w : workers_) w->wake_idle();
  for (std::size_t i = 0; i < helpers_.size(); ++i) {
    helpers_[i].join();
    detail::StuckRegistry::instance().leave(*workers_[i + 1]);
  }
  helpers_.clear();
  // Every thread of the run is joined: fibers that ended away from where they started
  // can be unlinked from here.
  for (const auto& w : workers_) w->forget_ended_elsewhere();
}

void Scheduler::wake_an_idle_worker(const detail::Worker* except) noexcept {
  for (const auto& w : workers_)
    if (w.get() != except && w->asleep()) {
      w->wake_idle();
      return;
    }
}

}  // namespace weft::sched

namespace weft::sched::detail {

void Worker::idle_step_multi() {
  constexpr int kPreIdleSpins = 64;
  // An idle worker is not stalled, whether it spins, sleeps or gives a verdict: the
  // stall monitor must not count its quiet switch count against it.
  struct Idle {
    std::atomic<bool>& waiting;
    explicit Idle(std::atomic<bool>& w) : waiting(w) { waiting.store(true, std::memory_order_relaxed); }
    ~Idle() { waiting.store(false, std::memory_order_relaxed); }
  } idle(waiting_);
  // A wake-up from another worker often follows within a microsecond or two (a round
  // trip between fibers on two workers): watch this worker's own inbox a moment before
  // touching the counters every worker shares, each a cache line transfer.
  for (int spin = 0; spin < kPreIdleSpins; ++spin) {
    if (inbox_nonempty_.load(std::memory_order_relaxed)) return;
    spin_pause();
  }
  if (scheduler_.live_fibers() == 0) {
    // The run is ending (worker 0 ends it: run_is_over): tell it, and sleep until it
    // says so. Only the stop's wake-up or new work wakes this sleep.
    scheduler_.workers_.front()->wake_idle();
    parker_.park(std::chrono::milliseconds(50));
    return;
  }
  scheduler_.idle_workers_.fetch_add(1, std::memory_order_seq_cst);
  if (!steal_some()) {
    std::optional<TimePoint> deadline = timers_.next_deadline();
    if (!deadline && nothing_can_wake()) {
      deadlock_verdict();
    } else {
      std::optional<Duration> timeout;
      if (deadline) timeout = *deadline - clock_->now();
      sleep_multi(timeout);
    }
  }
  scheduler_.idle_workers_.fetch_sub(1, std::memory_order_relaxed);
}

bool Worker::spin_in_wait(std::uint64_t epoch) noexcept {
  constexpr int kWaitSpins = 256;  // ~2.5 us at 10 ns a PAUSE; beyond 128 no faster round trip
  if (ready_any() || inbox_nonempty_.load(std::memory_order_relaxed)) return false;
  auto& word = running_->wait_word_;
  const std::uint64_t spinning = wait_word::make(epoch, wait_word::kSpinning);
  std::uint64_t seen = wait_word::make(epoch, wait_word::kOpen);
  // CASes both ways: a claimer may move the word on at any time.
  if (!word.compare_exchange_strong(seen, spinning, std::memory_order_relaxed)) return true;
  for (int spin = 0; spin < kWaitSpins; ++spin) {
    spin_pause();
    if (word.load(std::memory_order_relaxed) != spinning) return true;  // claimed (or being)
    if (inbox_nonempty_.load(std::memory_order_relaxed)) break;  // another fiber to run
  }
  seen = spinning;
  return !word.compare_exchange_strong(seen, wait_word::make(epoch, wait_word::kOpen), std::memory_order_relaxed);
}

bool Worker::steal_some() noexcept {
  if (!stealing_) return false;  // a custom policy keeps its fibers home
  const std::size_t n = scheduler_.workers_.size();
  // At most half the workers (at least one) search at once, as Go bounds its spinning
  // Ms: one piece of shared work must not send every idle worker over every ring. The
  // others sleep at once; a sharer wakes one of them.
  auto& searching = scheduler_.searching_workers_;
  if (searching.fetch_add(1, std::memory_order_relaxed) >= std::max<std::size_t>(1, n / 2)) {
    searching.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  struct Done {
    std::atomic<std::size_t>& searching;
    ~Done() { searching.fetch_sub(1, std::memory_order_relaxed); }
  } done{searching};
  constexpr int kRounds = 30;  // a short spin: shared work often arrives within microseconds
  for (int round = 0; round < kRounds; ++round) {
    if (inbox_nonempty_.load(std::memory_order_acquire)) return true;
    victim_seed_ = victim_seed_ * 1664525u + 1013904223u;
    const std::size_t start = victim_seed_ % n;
    for (std::size_t i = 0; i < n; ++i) {
      Worker& victim = *scheduler_.workers_[(start + i) % n];
      if (&victim == this || !victim.has_shared_work()) continue;
      // The ring was offered to every idle worker (this one among them): take a share.
      // With two workers that is all of it: half would leave this worker idle again
      // soon, while the rest waits in a ring its owner refills only once it is empty.
      const std::size_t thieves = scheduler_.idle_workers_.load(std::memory_order_relaxed);
      if (const std::size_t took = stealing_->steal_from(*victim.stealing_, thieves)) {
        steals_.store(steals_.load(std::memory_order_relaxed) + took, std::memory_order_relaxed);
        return true;
      }
    }
    // Between looks at the rings, watch the inbox: a wake-up posted here is the most
    // likely work, and a round trip between workers waits on this latency.
    for (int spin = 0; spin < 64; ++spin) {
      if (inbox_nonempty_.load(std::memory_order_relaxed)) return true;
      spin_pause();
    }
  }
  return false;
}

bool Worker::any_shared_work() const noexcept {
  for (const auto& w : scheduler_.workers_)
    if (w.get() != this && w->has_shared_work()) return true;
  return false;
}

void Worker::sleep_multi(std::optional<Duration> timeout) noexcept {
  asleep_.store(true, std::memory_order_seq_cst);
  scheduler_.share_handshake_.fetch_add(1, std::memory_order_acq_rel);  // see share_work
  // A last look, now that wakers can see us asleep.
  if (inbox_nonempty_.load(std::memory_order_seq_cst) || any_shared_work() ||
      scheduler_.done_.load(std::memory_order_acquire)) {
    asleep_.store(false, std::memory_order_relaxed);
    return;
  }
  Worker* none = nullptr;
  if (scheduler_.reactor_owner_.compare_exchange_strong(none, this, std::memory_order_seq_cst)) {
    reactor_.prepare_wait();
    // A wake-up that came before the announcement left a permit on the parker.
    if (inbox_nonempty_.load(std::memory_order_seq_cst) || parker_.try_consume())
      reactor_.cancel_wait();
    else
      wait_in_reactor(timeout);
    scheduler_.reactor_owner_.store(nullptr, std::memory_order_seq_cst);
    asleep_.store(false, std::memory_order_relaxed);
    // Fds stay watched: if some are armed and another worker sleeps, it takes over.
    if (reactor_.has_armed()) scheduler_.wake_an_idle_worker(this);
    return;
  }
  parks_.store(parks_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  parker_.park(timeout);
  asleep_.store(false, std::memory_order_relaxed);
}

void Worker::share_work() noexcept {
  if (const std::size_t n = stealing_->share()) {
    shared_.store(shared_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    // Dekker with sleep_multi (asleep_, then a look at the rings): the fibers in the
    // ring, then a look at who sleeps, with a read-modify-write of the handshake word
    // between (whichever of the two comes second sees the other's write). Sharing is
    // rare (only while a worker is idle and the ring empty); a missed notice left the
    // sleeper asleep until this ring had emptied again.
    scheduler_.share_handshake_.fetch_add(1, std::memory_order_acq_rel);
    scheduler_.wake_an_idle_worker(this);
  }
}

std::size_t Worker::hand_off_to(const std::vector<Worker*>& takers) noexcept {
  if (!stealing_ || takers.empty()) return 0;
  std::size_t given = 0;
  auto give = [&](Fiber& fiber, ReadyHint hint, std::uint64_t epoch) {  // hands over a reference
    Worker& to = *takers[given++ % takers.size()];
    SpinGuard guard(to.inbox_lock_);
    to.post_locked(fiber, hint, epoch);
  };
  // The queued fibers: off their stacks, so any worker may run them.
  Fiber* batch[64];
  for (std::size_t n; (n = stealing_->hand_off(batch, std::size(batch))) != 0;)
    for (std::size_t i = 0; i < n; ++i) {
      batch[i]->retain();
      give(*batch[i], ReadyHint::Normal, kRawPark);
    }
  // The wake-ups posted here since: their waits were claimed, so whichever worker
  // drains them queues the fiber if it is asleep in that wait.
  Wakeup first;
  std::vector<Wakeup> posted;
  {
    SpinGuard guard(inbox_lock_);
    take_posted_locked(first, posted);
  }
  std::vector<Wakeup> kept;
  auto pass_on = [&](const Wakeup& w) {
    if (w.fiber->run_link().pinned)
      kept.push_back(w);
    else
      give(*w.fiber, w.hint, w.epoch);
  };
  if (first.fiber) pass_on(first);
  for (const Wakeup& w : posted) pass_on(w);
  if (!kept.empty()) {
    SpinGuard guard(inbox_lock_);
    for (const Wakeup& w : kept) post_locked(*w.fiber, w.hint, w.epoch);
  }
  return given;
}

}  // namespace weft::sched::detail
