// Locks held per fiber and the lock-order graph of a run (see lock_tracker.hpp).
#include "lock_tracker.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace weft::check::detail {

void LockTracker::reset() noexcept {
  fibers_ = 0;
  edges_.clear();
  edges_looked_at_ = 0;
}

std::vector<LockTracker::Held>& LockTracker::first_look(std::size_t fiber) {
  if (fiber >= held_.size()) {
    held_.resize(fiber + 1);
    announced_.resize(fiber + 1);
  }
  for (std::size_t i = fibers_; i <= fiber; ++i) {  // may hold an earlier run's locks
    held_[i].clear();
    announced_[i].reset();
  }
  fibers_ = fiber + 1;
  return held_[fiber];
}

void LockTracker::announce_lock(std::size_t fiber, const void* object, std::source_location where,
                                std::size_t step) {
  held_by(fiber);
  announced_[fiber] = Held{object, where, step};
}

bool LockTracker::acquired(std::size_t fiber, const void* object) {
  auto& held = held_by(fiber);
  std::optional<Held>& announced = announced_[fiber];
  if (!announced || announced->object != object) return false;
  Held taken = *announced;
  announced.reset();
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
  auto& held = held_by(fiber);
  // The most recent acquisition of this object (recursive locks unwind in order).
  auto it = std::find_if(held.rbegin(), held.rend(), [&](const Held& h) { return h.object == object; });
  if (it != held.rend()) held.erase(std::next(it).base());
}

std::optional<std::size_t> LockTracker::holder(const void* object) const {
  for (std::size_t fiber = 0; fiber < fibers_; ++fiber)
    for (const Held& h : held_[fiber])
      if (h.object == object) return fiber;
  return std::nullopt;
}

std::optional<std::vector<LockEdge>> LockTracker::find_new_cycle() {
  if (edges_.size() == edges_looked_at_) return std::nullopt;
  edges_looked_at_ = edges_.size();
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
