// For tests that assert what one cooperative worker guarantees (the order in which
// fibers run, plain data shared between fibers): they pin their runtime to one worker,
// so the workers suite (WEFT_WORKERS=2, 4) runs the rest of their file.
#pragma once

#include "weft/runtime.hpp"

namespace weft_test {

inline weft::RuntimeOptions one_worker() {
  weft::RuntimeOptions options;
  options.workers = 1;
  return options;
}

}  // namespace weft_test
