// Global deadlock across runtimes. Fibers of different runtimes (each on its own kernel
// thread) may share primitives, so a runtime whose fibers are all blocked is not
// deadlocked while another runtime might still wake them. A runtime with nothing to do
// registers here as stuck; only when every running runtime of the process is stuck at
// once is the deadlock declared, and every stuck runtime then reports and unwinds its own
// fibers. A cross-thread wake-up of a stuck runtime takes it off the stuck list first, so
// no runtime that has work waiting can be counted as stuck.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

namespace weft::sched::detail {

class Worker;

class StuckRegistry {
 public:
  static StuckRegistry& instance();

  // A worker's membership for the length of its run.
  struct Membership {
    explicit Membership(Worker& w) : worker(w) { instance().enter(w); }
    ~Membership() { instance().leave(worker); }
    Membership(const Membership&) = delete;
    Membership& operator=(const Membership&) = delete;
    Worker& worker;
  };

  void enter(Worker& worker);
  // A runtime finished: the ones left may now all be stuck, so they are woken to look
  // again (and declare the deadlock after the grace period of Worker::run).
  void leave(Worker& worker);

  struct Mark {
    std::uint64_t generation;
    bool marked;     // false: the worker has work after all (its inbox is not empty)
    bool all_stuck;  // every running runtime is stuck now; the caller may declare()
    // The switches of every running worker so far: unchanged between two marks means no
    // fiber moved anywhere in between (the grace period of DeadlockWatch).
    std::uint64_t progress;
  };
  Mark mark_stuck(Worker& worker);
  // Declares the global deadlock: wakes every other stuck runtime to report, and takes
  // the caller off the list (it reports right away). False, declaring nothing, when a
  // wake-up reached the caller since it was marked. `alone` (optional) tells whether the
  // caller was the only running runtime.
  bool declare(Worker& worker, bool* alone = nullptr);
  // After sleeping: takes the worker off the list; true when a global deadlock was
  // declared since `generation`.
  bool unmark(Worker& worker, std::uint64_t generation);
  // Called by a thread that just queued a wake-up for `worker`.
  void revive(Worker& worker);
  // True when every running member is a worker of `worker`'s scheduler: a lock holder
  // that is not among the stuck fibers then has ended (it cannot be another runtime's).
  bool alone(const Worker& worker);

 private:
  bool all_stuck() const { return !stuck_.empty() && stuck_.size() == running_.size(); }
  void declare_locked();  // with mutex_ held
  bool alone_locked(const Worker& worker) const;

  std::mutex mutex_;
  std::vector<Worker*> running_;
  std::vector<Worker*> stuck_;
  std::uint64_t generation_ = 0;
};

}  // namespace weft::sched::detail
