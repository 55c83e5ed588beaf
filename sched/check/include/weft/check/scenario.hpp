// Named scenarios for the weft-check command line. A test binary that links the
// `weft_check_main` library gets the same command line over its own scenarios:
//
//   WEFT_SCENARIO(counter_fixed, "three fibers increment under a mutex") { ... }
//   WEFT_SCENARIO_MUST_FAIL(counter, "three fibers increment without a lock") { ... }
//
//   $ my_scenarios list
//   $ my_scenarios run counter --strategy pct --iterations 10000 --seed 7 --html out.html
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/check/explore.hpp"

namespace weft::check {

struct Scenario {
  std::string name;
  std::string description;
  std::function<void()> body;
  bool must_fail = false;  // a known bug the checker has to find
};

// Registers a scenario (names must be unique); returns true so it can initialise a static.
bool register_scenario(Scenario scenario);
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(std::string_view name);

// The weft-check command line over the registered scenarios. Exit status: 0 no failure
// found (or, for check-all, every scenario behaved as expected), 1 a failure found,
// 2 usage error, an invalid or diverging schedule, or an output file not written.
int check_main(int argc, char** argv);

}  // namespace weft::check

#define WEFT_SCENARIO_IMPL(name, description, must_fail)                                  \
  static void weft_scenario_body_##name();                                                \
  [[maybe_unused]] static const bool weft_scenario_registered_##name =                   \
      ::weft::check::register_scenario({#name, description, &weft_scenario_body_##name, must_fail}); \
  static void weft_scenario_body_##name()

// Defines and registers a scenario that must pass.
#define WEFT_SCENARIO(name, description) WEFT_SCENARIO_IMPL(name, description, false)
// Defines and registers a scenario with a known bug that the checker must find.
#define WEFT_SCENARIO_MUST_FAIL(name, description) WEFT_SCENARIO_IMPL(name, description, true)
