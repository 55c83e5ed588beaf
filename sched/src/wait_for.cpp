// Wait-for edges between blocked fibers and the cycles they form (weft/sched/wait_for.hpp).
#include "weft/sched/wait_for.hpp"

#include <algorithm>
#include <sstream>
#include <unordered_set>

namespace weft::sched {

const Fiber* waited_for(const Fiber& fiber) noexcept {
  const WaitRecord record = fiber.wait_record();
  if (record.kind == WaitKind::Join) return static_cast<const Fiber*>(record.object);
  if (record.holder == nullptr) return nullptr;
  const Fiber* holder = record.holder->load(std::memory_order_acquire);
  return holder == &fiber ? nullptr : holder;  // just handed to it: the wait is over
}

std::vector<const Fiber*> find_wait_cycle(const std::vector<const Fiber*>& blocked,
                                          const WaitedFor& waits_for) {
  std::unordered_set<const Fiber*> explored;  // lead to no cycle, or to one already tried
  for (const Fiber* start : blocked) {
    std::vector<const Fiber*> path;
    for (const Fiber* at = start; at != nullptr && !explored.count(at); at = waits_for(*at)) {
      auto seen = std::find(path.begin(), path.end(), at);
      if (seen != path.end()) {
        std::vector<const Fiber*> cycle(seen, path.end());
        // Start at the member listed first, so that every report of it reads the same.
        auto first = std::min_element(cycle.begin(), cycle.end(), [&](const Fiber* a, const Fiber* b) {
          return std::find(blocked.begin(), blocked.end(), a) < std::find(blocked.begin(), blocked.end(), b);
        });
        std::rotate(cycle.begin(), first, cycle.end());
        return cycle;
      }
      path.push_back(at);
    }
    explored.insert(path.begin(), path.end());
  }
  return {};
}

namespace {

// "mutex 'orders'", or "mutex at 0x..." for an unnamed one.
std::string waited_object(const WaitRecord& record) {
  std::ostringstream out;
  out << to_string(record.kind);
  if (record.name && *record.name)
    out << " '" << record.name << "'";
  else if (record.object)
    out << " at " << record.object;
  return out.str();
}

}  // namespace

std::string describe_wait_cycle(const std::vector<const Fiber*>& cycle, const FiberLabel& label) {
  std::string text;
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    const Fiber& waiter = *cycle[i];
    const Fiber& next = *cycle[(i + 1) % cycle.size()];
    const WaitRecord record = waiter.wait_record();
    text += i == 0 ? "fiber " + label(waiter) : ", which";
    if (record.kind == WaitKind::Join)
      text += " waits to join fiber " + label(next);
    else
      text += " waits for " + waited_object(record) + " held by fiber " + label(next);
  }
  return text;
}

}  // namespace weft::sched
