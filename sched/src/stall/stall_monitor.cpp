// The stall monitor (stall_monitor.hpp).
#include "stall_monitor.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <new>
#include <string>
#include <thread>

#include "../deadlock/deadlock_watch.hpp"
#include "../worker.hpp"
#include "weft/sched/macros.hpp"

namespace weft::sched::detail {

namespace {
using SteadyClock = std::chrono::steady_clock;

// How often a worker with threshold T is looked at: T/4, so a stall is reported between
// T and 1.25 T after the worker last moved.
SteadyClock::duration period_of(Duration threshold) {
  return std::max<SteadyClock::duration>(std::chrono::duration_cast<SteadyClock::duration>(threshold) / 4,
                                         std::chrono::milliseconds(1));
}

void report_to_stderr(const std::string& report) { std::fprintf(stderr, "%s\n", report.c_str()); }
}  // namespace

StallMonitor& StallMonitor::instance() {
  static StallMonitor* monitor = [] {
    auto* made = new StallMonitor;  // never destroyed: its thread outlives main()
    // A forked child has no monitor thread and must not inherit a lock it held.
    ::pthread_atfork([] { instance().lock_.lock(); }, [] { instance().lock_.unlock(); },
                     [] { instance().after_fork_in_child(); });
    return made;
  }();
  return *monitor;
}

void StallMonitor::after_fork_in_child() {
  watched_.clear();
  // The parent's monitor thread was waiting on the condition variable: its state (a
  // waiter that does not exist here) would make the child's first notify wait for that
  // waiter forever. A fresh one, built over the old without destroying it.
  new (&changed_) std::condition_variable();
#ifdef WEFT_TSAN
  // TSan cannot start threads in the child of a multi-threaded process: no monitor
  // there (runs still work; only their stalls go unreported).
  started_ = true;
#else
  started_ = false;  // the next watch() starts a thread in this process
#endif
  lock_.unlock();
}

void StallMonitor::watch(Worker& worker) {
  std::lock_guard guard(lock_);
  watched_.push_back({&worker, worker.progress(), SteadyClock::now(), false});
  if (!started_) {
    started_ = true;
    std::thread([this] { loop(); }).detach();
  }
  // Only a monitor asleep for good, or for longer than this worker's period, needs
  // waking (a futex call): otherwise it sees the new worker at its next look, and a
  // loop of short runs costs a lock, not a system call.
  if (asleep_for_good_ || period_of(worker.scheduler().options().stall_threshold) < period_)
    changed_.notify_one();
}

void StallMonitor::forget(Worker& worker) {
  std::lock_guard guard(lock_);  // a check in progress holds it: the worker is not read after this
  std::erase_if(watched_, [&](const Watched& w) { return w.worker == &worker; });
}

void StallMonitor::loop() {
  const DeadlockWatch::HelperThread helper;
  std::unique_lock guard(lock_);
  for (;;) {
    if (watched_.empty()) {
      asleep_for_good_ = true;
      changed_.wait(guard);
      asleep_for_good_ = false;
      continue;
    }
    period_ = check(SteadyClock::now());
    changed_.wait_for(guard, period_);
  }
}

std::vector<Worker*> StallMonitor::takers_for(const Watched& stuck, SteadyClock::time_point now) const {
  std::vector<Worker*> takers;
  const Scheduler& scheduler = stuck.worker->scheduler();
  for (const Watched& w : watched_)
    if (w.worker != stuck.worker && &w.worker->scheduler() == &scheduler &&
        (w.worker->waiting() || now - w.since < scheduler.options().stall_threshold))
      takers.push_back(w.worker);
  return takers;
}

SteadyClock::duration StallMonitor::check(SteadyClock::time_point now) {
  SteadyClock::duration next = std::chrono::hours(1);
  for (Watched& w : watched_) {
    const SchedulerOptions& options = w.worker->scheduler().options();
    next = std::min(next, period_of(options.stall_threshold));
    const std::uint32_t progress = w.worker->progress();
    if (progress != w.progress || w.worker->waiting()) {
      w = {w.worker, progress, now, false};
      continue;
    }
    if (now - w.since < options.stall_threshold) continue;
    // At every look while it stays stuck: what was queued or woken there since goes too.
    const std::size_t handed = w.worker->hand_off_to(takers_for(w, now));
    if (w.reported) continue;
    const std::optional<std::string> who = w.worker->describe_running_at(progress);
    if (!who) continue;  // it moved on just now
    w.reported = true;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - w.since).count();
    std::string report = "weft: worker " + std::to_string(w.worker->index()) + " has run " + *who + " for " +
                         std::to_string(ms) + " ms without coming back to the scheduler; " +
                         (w.worker->scheduler().worker_count() == 1
                              ? std::string("the fibers queued behind it wait")
                              : "the other workers take the fibers queued behind it (" + std::to_string(handed) +
                                    " so far; those pinned to it wait)") +
                         ". A blocking call or a long computation? Run it with weft::blocking().";
    if (options.on_stall)
      options.on_stall(report);
    else
      report_to_stderr(report);
  }
  return next;
}

}  // namespace weft::sched::detail
