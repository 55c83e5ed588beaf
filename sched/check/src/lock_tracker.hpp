// Which fiber holds which lock, and the lock-order graph of a run. A lock is "taken"
// when a fiber that announced sched::Op::Lock on an object then acquires it (hb_acquire), and
// "given back" at sched::Op::Unlock. Taking B while holding A adds the edge A -> B; a cycle is
// a lock-order inversion: a potential deadlock even if this run did not deadlock.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <source_location>
#include <vector>

namespace weft::check::detail {

// Sites stay raw (a step and its recorded location) until a report renders them.
struct LockEdge {
  const void* from = nullptr;
  const void* to = nullptr;
  std::size_t fiber = 0;
  std::source_location held_where;  // where `from` was taken
  std::size_t held_step = 0;
  std::source_location taken_where;  // where `to` was taken while holding `from`
  std::size_t taken_step = 0;
};

class LockTracker {
 public:
  // Forgets the run's locks and graph (memory is kept for the next run).
  void reset() noexcept;
  // `where` and `step` say where it is taken.
  void announce_lock(std::size_t fiber, const void* object, std::source_location where, std::size_t step);
  // Returns true when the acquire completed an announced lock.
  bool acquired(std::size_t fiber, const void* object);
  void unlocked(std::size_t fiber, const void* object);

  // The fiber holding `object`, if any.
  std::optional<std::size_t> holder(const void* object) const;
  // A cycle in the lock-order graph, as the edges along it. Only edges added since the
  // last call can close a new one: while the graph is unchanged this answers nothing at
  // once (it is asked after every acquisition).
  std::optional<std::vector<LockEdge>> find_new_cycle();

 private:
  struct Held {
    const void* object;
    std::source_location where;
    std::size_t step;
  };
  // By fiber number (numbers are dense); the first fibers_ entries belong to this run.
  std::vector<Held>& held_by(std::size_t fiber) { return fiber < fibers_ ? held_[fiber] : first_look(fiber); }
  std::vector<Held>& first_look(std::size_t fiber);  // a fiber's first lock in this run
  std::vector<std::vector<Held>> held_;
  std::vector<std::optional<Held>> announced_;
  std::size_t fibers_ = 0;
  std::map<std::pair<const void*, const void*>, LockEdge> edges_;
  std::size_t edges_looked_at_ = 0;  // edges_.size() at the last find_new_cycle()
};

}  // namespace weft::check::detail
