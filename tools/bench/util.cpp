// Small helpers of the benchmark cases: loaded shared objects, peer labels, free memory.
#include <link.h>

#include <cstring>
#include <fstream>
#include <string>

#include <boost/version.hpp>

#include "bench.hpp"

namespace weft::bench {

bool shared_object_loaded(const char* fragment) {
  auto visit = [](dl_phdr_info* info, std::size_t, void* data) -> int {
    return info->dlpi_name && std::strstr(info->dlpi_name, static_cast<const char*>(data)) ? 1 : 0;
  };
  return ::dl_iterate_phdr(visit, const_cast<char*>(fragment)) != 0;
}

std::string boost_fiber_label(const std::string& how, const std::string& algorithm) {
  std::string label = "boost.fiber " + algorithm + ", " + how;
#if WEFT_BENCH_BOOST_FIBER
  label += " (Boost " + std::to_string(BOOST_VERSION / 100000) + "." +
           std::to_string(BOOST_VERSION / 100 % 1000) +
           (shared_object_loaded("libboost_fiber") ? ", shared lib)" : ", static lib)");
#endif
  return label;
}

std::uint64_t available_memory_mb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024 / 1000000;
  return 0;
}

}  // namespace weft::bench
