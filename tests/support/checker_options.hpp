// Test helper: checker options for a reproducible, quiet exploration.
#pragma once

#include <cstddef>

#include "weft/check.hpp"

namespace weft_test {

// `iterations` runs of `strategy` from seed 7, ignoring the WEFT_CHECK_* environment and
// printing nothing on failure (the test inspects the report instead).
inline weft::check::Options quiet(weft::check::StrategySpec strategy,
                                  std::size_t iterations = 1000) {
  weft::check::Options o;
  o.strategy = strategy;
  o.iterations = iterations;
  o.seed = 7;
  o.print_failure = false;
  o.from_env = false;
  return o;
}

}  // namespace weft_test
