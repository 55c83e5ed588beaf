// The runtimes weft-bench measures: every case says how many workers it runs on, so a
// single-worker figure does not change with the machine's CPU count (the default).
#pragma once

#include <cstddef>

#include "weft/runtime.hpp"

namespace weft::bench {

inline weft::RuntimeOptions on_workers(std::size_t n) {
  weft::RuntimeOptions options;
  options.workers = n;
  return options;
}

// For the programs a case starts (servers, load clients): their runtime's worker count.
inline constexpr const char* kOneWorkerEnv = "WEFT_WORKERS=1";

}  // namespace weft::bench
