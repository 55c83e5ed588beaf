// The lock-order graph: a node per lock serial, an edge A -> B per "B was locked while
// A was held", each remembering who recorded it. A lock() of B while holding A is
// refused when a path B -> ... -> A exists (B is established before A).
#include "weft/sync/lock_order.hpp"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "sync/describe_fiber.hpp"
#include "weft/fiber_local.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft {

namespace {

std::atomic<bool>& checking_flag() noexcept {
  static std::atomic<bool> flag{[] {
    const char* env = std::getenv("WEFT_LOCK_ORDER");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }()};
  return flag;
}

std::atomic<std::uint64_t> g_next_serial_block{1};

// Serials are unique process-wide; each thread takes them in blocks, so that making a
// lock touches no cache line another thread writes (the checker's exploring threads
// make a scenario's locks thousands of times a second each).
std::uint64_t next_serial() noexcept {
  constexpr std::uint64_t kBlock = 1024;
  thread_local std::uint64_t next = 0;
  thread_local std::uint64_t end = 0;
  if (next == end) {
    next = g_next_serial_block.fetch_add(kBlock, std::memory_order_relaxed);
    end = next + kBlock;
  }
  return next++;
}

// The locks the calling fiber holds.
detail::LockIdentity::HeldSet& held_locks() {
  static FiberLocal<detail::LockIdentity::HeldSet> held;
  return held.get();
}

// Takes `lock` out of `held` (the most recent acquisition first).
void erase_from(std::vector<detail::LockIdentity*>& held,
                const detail::LockIdentity* lock) noexcept {
  for (auto it = held.end(); it != held.begin();) {
    if (*--it == lock) {
      held.erase(it);
      return;
    }
  }
}

}  // namespace

void set_lock_order_checking(bool on) noexcept { checking_flag().store(on); }
bool lock_order_checking() noexcept { return checking_flag().load(std::memory_order_relaxed); }

namespace detail {

LockIdentity::LockIdentity(const char* kind, std::string name)
    : kind_(kind), name_(std::move(name)),
      serial_(next_serial()) {}

LockIdentity::~LockIdentity() {
  if (held_in_ != nullptr) erase_from(held_in_->locks, this);  // destroyed while held
  LockOrderChecker::global().forget(serial_);
}

LockIdentity::HeldSet::~HeldSet() {
  for (LockIdentity* lock : locks) lock->held_in_ = nullptr;  // its fiber ended holding it
}

std::string LockIdentity::label() const {
  std::string out = kind_;
  out += name_.empty() ? " #" + std::to_string(serial_) : " '" + name_ + "'";
  return out;
}

}  // namespace detail

struct LockOrderChecker::Graph {
  struct Edge {
    std::uint64_t to;
    std::string from_label, to_label, fiber;
  };
  mutable sched::detail::SpinLock lock;
  std::unordered_map<std::uint64_t, std::vector<Edge>> out;
  std::size_t edges = 0;

  bool has_edge(std::uint64_t from, std::uint64_t to) const {
    auto it = out.find(from);
    if (it == out.end()) return false;
    for (const Edge& e : it->second)
      if (e.to == to) return true;
    return false;
  }

  // The edges of a path from -> ... -> to (depth first), or empty.
  std::vector<const Edge*> path(std::uint64_t from, std::uint64_t to) const {
    std::vector<const Edge*> trail;
    std::unordered_set<std::uint64_t> seen{from};
    return walk(from, to, trail, seen) ? trail : std::vector<const Edge*>{};
  }

  bool walk(std::uint64_t at, std::uint64_t to, std::vector<const Edge*>& trail,
            std::unordered_set<std::uint64_t>& seen) const {
    auto it = out.find(at);
    if (it == out.end()) return false;
    for (const Edge& e : it->second) {
      if (!seen.insert(e.to).second) continue;
      trail.push_back(&e);
      if (e.to == to || walk(e.to, to, trail, seen)) return true;
      trail.pop_back();
    }
    return false;
  }
};

LockOrderChecker& LockOrderChecker::global() {
  static LockOrderChecker checker;
  return checker;
}

LockOrderChecker::Graph& LockOrderChecker::graph() const {
  static Graph* g = new Graph;  // never destroyed: static mutexes may outlive it otherwise
  return *g;
}

void LockOrderChecker::before_lock(detail::LockIdentity& lock) {
  if (!lock_order_checking() || sched::current_fiber() == nullptr) return;
  std::vector<detail::LockIdentity*>& held = held_locks().locks;
  if (held.empty()) return;
  const std::string me = detail::describe_current();
  Graph& g = graph();
  std::lock_guard guard(g.lock);
  for (detail::LockIdentity* h : held) {
    if (h->serial_ == lock.serial_) continue;
    std::vector<const Graph::Edge*> trail = g.path(lock.serial_, h->serial_);
    if (trail.empty()) continue;
    std::string message = "weft: lock order violation: " + me + " locks " + lock.label() +
                          " while holding " + h->label() + ", but ";
    if (trail.size() == 1) {
      message += trail[0]->fiber + " locked " + h->label() + " while holding " + lock.label();
    } else {
      message += "the established order puts " + lock.label() + " before " + h->label() + ":";
      for (const Graph::Edge* e : trail)
        message += " " + e->from_label + " -> " + e->to_label + " (" + e->fiber + ");";
    }
    message += " fibers taking these locks in opposite orders can deadlock";
    throw LockOrderError(message, me, trail[0]->fiber, lock.label(), h->label());
  }
  for (detail::LockIdentity* h : held) {
    if (h->serial_ == lock.serial_ || g.has_edge(h->serial_, lock.serial_)) continue;
    g.out[h->serial_].push_back(Graph::Edge{lock.serial_, h->label(), lock.label(), me});
    ++g.edges;
    used_.store(true, std::memory_order_relaxed);
  }
}

void LockOrderChecker::acquired(detail::LockIdentity& lock) {
  if (!lock_order_checking() || sched::current_fiber() == nullptr) return;
  detail::LockIdentity::HeldSet& held = held_locks();
  held.locks.push_back(&lock);
  lock.held_in_ = &held;
}

void LockOrderChecker::released(detail::LockIdentity& lock) noexcept {
  if (lock.held_in_ == nullptr) return;
  erase_from(std::exchange(lock.held_in_, nullptr)->locks, &lock);
}

void LockOrderChecker::reset() noexcept {
  Graph& g = graph();
  std::lock_guard guard(g.lock);
  g.out.clear();
  g.edges = 0;
}

std::size_t LockOrderChecker::edge_count() const noexcept {
  Graph& g = graph();
  std::lock_guard guard(g.lock);
  return g.edges;
}

void LockOrderChecker::forget(std::uint64_t serial) noexcept {
  if (!used_.load(std::memory_order_relaxed)) return;
  Graph& g = graph();
  std::lock_guard guard(g.lock);
  if (auto it = g.out.find(serial); it != g.out.end()) {
    g.edges -= it->second.size();
    g.out.erase(it);
  }
  for (auto& [from, edges] : g.out) {
    for (auto it = edges.begin(); it != edges.end();) {
      if (it->to == serial) {
        it = edges.erase(it);
        --g.edges;
      } else {
        ++it;
      }
    }
  }
}

}  // namespace weft
