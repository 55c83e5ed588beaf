// What a production deadlock report adds to the fiber listing: who holds the lock each
// stuck fiber waits for, and the cycle of fibers waiting for each other.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "weft/sched/fiber.hpp"

namespace weft::sched::detail {

// "#7 'name'", or "#7" for an unnamed fiber.
std::string report_label(const Fiber& fiber);

// The stuck fibers of one runtime at its deadlock verdict. A holder is followed only when
// it is one of them, or when this runtime was the only one running at the verdict
// (`alone`): the stuck runtimes report at the same time, and another one may already be
// unwinding its fibers.
class StuckFibers {
 public:
  StuckFibers(std::vector<const Fiber*> fibers, bool alone);

  // ", held by fiber #4 'b'" when `fiber` waits for a lock someone holds, else "".
  std::string holder_note(const Fiber& fiber) const;
  // "  wait-for cycle of 2: fiber #3 'a' waits for ...\n", or "" without a cycle.
  std::string cycle_line() const;

 private:
  // The holder `fiber` waits for, if it can be read safely.
  const Fiber* readable_holder(const Fiber& fiber) const;

  std::vector<const Fiber*> fibers_;
  std::unordered_set<const Fiber*> members_;
  bool alone_;
};

}  // namespace weft::sched::detail
