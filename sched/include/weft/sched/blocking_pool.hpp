// A pool of kernel threads for work that must not run on a worker: a blocking system
// call, a library without a non-blocking API, a long computation. A worker that runs
// such work stalls every fiber queued behind it; handed to this pool, the work runs on
// a thread of its own while the calling fiber parks (weft::blocking, weft/blocking.hpp).
//
// Each runtime makes its pool on first use. The pool starts a thread when a job finds
// none idle, up to `max_threads` (further jobs queue in order), and a thread that
// found no job for `idle_timeout` exits. Destroying the pool waits for the jobs queued
// and running and joins every thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "weft/sched/time.hpp"

namespace weft::sched {

class BlockingPool {
 public:
  // A unit of work (move-only callables wrap themselves in one).
  class Job {
   public:
    virtual ~Job() = default;
    virtual void run() noexcept = 0;
  };
  struct Options {
    std::size_t max_threads = 64;  // at least 1
    Duration idle_timeout = std::chrono::seconds(10);
    // The CPUs its threads may run on; empty: those of the thread that starts them. A
    // runtime with pinned workers passes its CPUs, so that a thread started from a
    // fiber does not inherit the worker's one CPU.
    std::vector<int> cpus = {};
  };
  struct Stats {
    std::size_t threads = 0;       // alive now
    std::size_t idle = 0;          // alive and waiting for a job
    std::size_t queued = 0;        // jobs waiting for a thread
    std::size_t peak_threads = 0;  // most alive at once
    std::size_t started = 0;       // threads started so far
    std::size_t completed = 0;     // jobs run so far (counted when the pool thread is done
                                   // with one: a moment after its caller resumed)
  };

  explicit BlockingPool(Options options);
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool();

  // Runs `job` on a pool thread and destroys it there. Never blocks the caller. Throws
  // std::system_error if no thread could be started and none is alive to take the job.
  void submit(std::unique_ptr<Job> job);

  Stats stats() const;
  const Options& options() const noexcept { return options_; }

 private:
  void start_thread_locked();
  void thread_main(std::list<std::thread>::iterator self);
  // The handles of the threads that have exited, to join (outside lock_).
  std::vector<std::thread> take_exited();

  const Options options_;
  mutable std::mutex lock_;
  std::condition_variable work_;  // a job was queued, or the pool stops
  std::condition_variable gone_;  // a thread exited
  std::deque<std::unique_ptr<Job>> queue_;
  std::list<std::thread> threads_;     // alive (their handles)
  std::vector<std::thread> exited_;    // ended, not yet joined
  std::size_t idle_ = 0;
  bool stopping_ = false;
  Stats counts_;
};

}  // namespace weft::sched
