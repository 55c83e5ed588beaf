#include "mn/cpu_pin.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace weft::sched::detail {

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

void allow_cpus(const std::vector<int>& cpus) noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof set, &set);  // on failure it keeps the CPU it inherited
}

CpuPin::CpuPin(const std::vector<int>& cpus, std::size_t index) noexcept {
  if (cpus.empty() || ::sched_getaffinity(0, sizeof before_, &before_) != 0) return;
  const int cpu = cpus[index % cpus.size()];
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (::sched_setaffinity(0, sizeof one, &one) == 0) {
    cpu_ = cpu;
    return;
  }
  static std::atomic<bool> reported{false};  // one line per process, not per worker and run
  if (!reported.exchange(true, std::memory_order_relaxed))
    std::fprintf(stderr, "weft: cannot pin worker %zu to CPU %d (%s); workers run unpinned\n", index, cpu,
                 std::strerror(errno));
}

CpuPin::~CpuPin() {
  if (cpu_ >= 0) ::sched_setaffinity(0, sizeof before_, &before_);
}

}  // namespace weft::sched::detail
