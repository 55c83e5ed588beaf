// Naming a fiber in reports (describe_fiber.hpp).
#include "sync/describe_fiber.hpp"

#include "weft/sched/kernel.hpp"

namespace weft::detail {

std::string describe(const sched::Fiber& fiber) {
  std::string out = "fiber ";
  if (!fiber.name().empty()) out += "'" + fiber.name() + "' (";
  out += "#" + std::to_string(fiber.id());
  if (!fiber.name().empty()) out += ")";
  return out;
}

std::string describe_current() {
  const sched::Fiber* self = sched::current_fiber();
  return self ? describe(*self) : std::string("a thread outside any weft runtime");
}

}  // namespace weft::detail
