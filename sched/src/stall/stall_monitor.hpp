// The stall monitor: reports a worker that has not come back to its scheduler for
// longer than its runtime's stall threshold (SchedulerOptions::stall_threshold), which
// means a fiber blocks its kernel thread -- a blocking system call, a std::mutex, a long
// computation not handed to weft::blocking() -- and every other fiber queued on that
// worker waits. Without it such a runtime just hangs, silently. Go's sysmon watches for
// the same; the report names the fiber and how long, once per stall. With several
// workers the others take the stuck one's queued fibers (and wake-ups posted to it),
// at every look while it stays stuck, as sysmon hands a blocked P to another thread.
//
// One thread for the whole process, started by the first run() that asks for it; it
// sleeps without a timeout while no worker is watched. Runs on a virtual clock (the
// checker) are never watched.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace weft::sched::detail {

class Worker;

class StallMonitor {
 public:
  static StallMonitor& instance();

  // While a worker runs (Worker::run): watch it, then forget it before run() returns.
  void watch(Worker& worker);
  void forget(Worker& worker);

  // Keeps a worker watched for the scope of its run.
  class Watch {
   public:
    explicit Watch(Worker& worker) : worker_(worker) { instance().watch(worker_); }
    ~Watch() { instance().forget(worker_); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    Worker& worker_;
  };

 private:
  StallMonitor() = default;
  void after_fork_in_child();
  void loop();
  // Looks at every watched worker once; returns how long to sleep until the next look.
  std::chrono::steady_clock::duration check(std::chrono::steady_clock::time_point now);

  struct Watched {
    Worker* worker;
    std::uint32_t progress;  // the worker's switch count when last seen moving
    std::chrono::steady_clock::time_point since;
    bool reported;           // this stall (at this progress) was reported
  };
  // The workers of a stuck one's runtime that are not stuck themselves: they take its
  // queued fibers.
  std::vector<Worker*> takers_for(const Watched& stuck, std::chrono::steady_clock::time_point now) const;

  std::mutex lock_;
  std::condition_variable changed_;
  std::vector<Watched> watched_;
  bool started_ = false;
  bool asleep_for_good_ = false;  // waits without a timeout (nothing watched)
  std::chrono::steady_clock::duration period_{};  // of its current wait otherwise
};

}  // namespace weft::sched::detail
