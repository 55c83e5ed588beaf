// Who a blocked fiber waits for, and cycles of such waits: how a deadlock report explains
// itself. The production deadlock verdict and the checker's deadlock report both use it.
// Read fibers only while none of those involved can move on (at a deadlock verdict).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "weft/sched/fiber.hpp"

namespace weft::sched {

// The one fiber that has to act before `fiber`'s wait can end: the fiber it joins, or the
// holder of the lock it waits on (WaitRecord::holder). Null when that is not one known
// fiber (a channel, a condition variable, a lock held shared, a free lock, a lock just
// handed to `fiber` itself).
const Fiber* waited_for(const Fiber& fiber) noexcept;

// Finds the fiber a blocked fiber waits for: waited_for, or a caller's own knowledge
// (the checker also knows who holds a lock shared; a runtime stops at its own fibers).
using WaitedFor = std::function<const Fiber*(const Fiber&)>;
// Names a fiber in a report ("#3 'worker'").
using FiberLabel = std::function<std::string(const Fiber&)>;

// A cycle of fibers, each waiting for the next and the last for the first, reached from
// `blocked`; it starts at its member that comes first in `blocked`. Empty when none.
std::vector<const Fiber*> find_wait_cycle(const std::vector<const Fiber*>& blocked,
                                          const WaitedFor& waits_for);

// A cycle as one sentence: "fiber #1 'a' waits for mutex 'm2' held by fiber #2 'b', which
// waits for mutex 'm1' held by fiber #1 'a'" (a join reads "waits to join fiber ...").
std::string describe_wait_cycle(const std::vector<const Fiber*>& cycle, const FiberLabel& label);

}  // namespace weft::sched
