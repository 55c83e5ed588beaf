// Holders and the wait-for cycle in a deadlock report (see deadlock_report.hpp).
#include "deadlock/deadlock_report.hpp"

#include "weft/sched/wait_for.hpp"

namespace weft::sched::detail {

std::string report_label(const Fiber& fiber) {
  std::string label = "#" + std::to_string(fiber.id());
  if (!fiber.name().empty()) label += " '" + fiber.name() + "'";
  return label;
}

StuckFibers::StuckFibers(std::vector<const Fiber*> fibers, bool alone)
    : fibers_(std::move(fibers)), members_(fibers_.begin(), fibers_.end()), alone_(alone) {}

const Fiber* StuckFibers::readable_holder(const Fiber& fiber) const {
  const Fiber* holder = waited_for(fiber);
  return holder && (alone_ || members_.count(holder)) ? holder : nullptr;
}

std::string StuckFibers::holder_note(const Fiber& fiber) const {
  if (fiber.wait_record().kind == WaitKind::Join || waited_for(fiber) == nullptr) return "";
  const Fiber* holder = readable_holder(fiber);
  if (holder == nullptr) return ", held by a fiber of another runtime (or one that ended)";
  std::string note = ", held by fiber " + report_label(*holder);
  if (holder->finished()) note += ", which has ended without unlocking it";
  return note;
}

std::string StuckFibers::cycle_line() const {
  std::vector<const Fiber*> cycle =
      find_wait_cycle(fibers_, [this](const Fiber& f) { return readable_holder(f); });
  if (cycle.empty()) return "";
  return "  wait-for cycle of " + std::to_string(cycle.size()) + ": " +
         describe_wait_cycle(cycle, report_label) + "\n";
}

}  // namespace weft::sched::detail
