// Binding a worker's thread to one CPU (SchedulerOptions::pin_workers).
//
// Some kernels place a worker that wakes up next to a busy one while another CPU idles,
// and take tens of milliseconds to spread them again: a VM whose kernel packs threads
// onto few vCPUs does (two plain threads crunching numbers on such a 2-vCPU VM shared
// one vCPU for 4-8 ms of a 45 ms run in half the runs). A worker bound to its own CPU
// cannot be packed.
#pragma once

#include <sched.h>

#include <cstddef>
#include <vector>

namespace weft::sched::detail {

// The CPUs the calling thread may run on, in increasing order.
std::vector<int> allowed_cpus();

// Lets the calling thread run on `cpus` (a thread started by a pinned worker).
void allow_cpus(const std::vector<int>& cpus) noexcept;

// Binds the calling thread to cpus[index % cpus.size()] for its lifetime and then gives
// the thread its earlier mask back (worker 0 runs on the caller's thread). A refusal by
// the kernel is reported once on stderr and leaves the thread unbound.
class CpuPin {
 public:
  CpuPin(const std::vector<int>& cpus, std::size_t index) noexcept;
  ~CpuPin();
  CpuPin(const CpuPin&) = delete;
  CpuPin& operator=(const CpuPin&) = delete;
  // The CPU the thread is bound to, or -1.
  int cpu() const noexcept { return cpu_; }

 private:
  cpu_set_t before_;
  int cpu_ = -1;
};

}  // namespace weft::sched::detail
