// The registry of WEFT_SCENARIO definitions (see weft/check/scenario.hpp).
#include "weft/check/scenario.hpp"

#include <algorithm>
#include <stdexcept>

namespace weft::check {

namespace {
std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}
}  // namespace

bool register_scenario(Scenario scenario) {
  if (find_scenario(scenario.name))
    throw std::logic_error("weft::check: scenario '" + scenario.name + "' registered twice");
  auto& all = registry();
  auto at = std::lower_bound(all.begin(), all.end(), scenario.name,
                             [](const Scenario& s, const std::string& n) { return s.name < n; });
  all.insert(at, std::move(scenario));
  return true;
}

const std::vector<Scenario>& scenarios() { return registry(); }

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario& s : registry())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace weft::check
