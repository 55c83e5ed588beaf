// Locks held per fiber and the lock-order graph across runs (see lock_tracker.hpp).
#include "lock_tracker.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace weft::check::detail {

void LockTracker::announce_lock(std::size_t fiber, const void* object, std::source_location where,
                                std::size_t step) {
  announced_[fiber] = Held{object, where, step};
}

bool LockTracker::acquired(std::size_t fiber, const void* object) {
  auto it = announced_.find(fiber);
  if (it == announced_.end() || it->second.object != object) return false;
  Held taken = std::move(it->second);
  announced_.erase(it);
  auto& held = held_[fiber];
  for (const Held& h : held) {
    if (h.object == object) continue;  // recursive acquisition
    if (!edges_.count({h.object, object}))
      edges_.emplace(std::pair{h.object, object},
                     LockEdge{h.object, object, fiber, h.where, h.step, taken.where, taken.step});
  }
  held.push_back(std::move(taken));
  return true;
}

void LockTracker::unlocked(std::size_t fiber, const void* object) {
  auto& held = held_[fiber];
  // The most recent acquisition of this object (recursive locks unwind in order).
  auto it = std::find_if(held.rbegin(), held.rend(), [&](const Held& h) { return h.object == object; });
  if (it != held.rend()) held.erase(std::next(it).base());
}

std::optional<std::size_t> LockTracker::holder(const void* object) const {
  for (const auto& [fiber, held] : held_)
    for (const Held& h : held)
      if (h.object == object) return fiber;
  return std::nullopt;
}

std::optional<std::vector<LockEdge>> LockTracker::find_cycle() const {
  std::map<const void*, std::vector<const LockEdge*>> out;
  for (const auto& [key, edge] : edges_) out[edge.from].push_back(&edge);
  std::set<const void*> done;
  std::vector<const LockEdge*> path;
  std::set<const void*> on_path;
  std::optional<std::vector<LockEdge>> found;
  std::function<bool(const void*)> visit = [&](const void* node) -> bool {
    on_path.insert(node);
    for (const LockEdge* e : out[node]) {
      path.push_back(e);
      if (on_path.count(e->to)) {
        // Keep only the part of the path that forms the cycle.
        auto start = std::find_if(path.begin(), path.end(),
                                  [&](const LockEdge* p) { return p->from == e->to; });
        std::vector<LockEdge> cycle;
        for (auto p = start; p != path.end(); ++p) cycle.push_back(**p);
        found = cycle;
        return true;
      }
      if (!done.count(e->to) && visit(e->to)) return true;
      path.pop_back();
    }
    on_path.erase(node);
    done.insert(node);
    return false;
  };
  for (const auto& [node, edges] : out)
    if (!done.count(node) && visit(node)) break;
  return found;
}

}  // namespace weft::check::detail
