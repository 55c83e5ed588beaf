// The process-wide name table of actors.
#include "weft/actor/registry.hpp"

#include <mutex>
#include <unordered_map>

#include "weft/actor/detail/actor_cell.hpp"
#include "weft/sched/instrumentation.hpp"

namespace weft {

namespace {

// Short critical sections that never switch fibers: a plain mutex does.
struct Registry {
  std::mutex lock;
  std::unordered_map<std::string, std::weak_ptr<detail::ActorCell>> names;
};

Registry& registry() {
  static Registry* instance = new Registry;  // outlives actors that exit during exit
  return *instance;
}

}  // namespace

bool register_actor(const std::string& name, const ActorAddress& actor) {
  if (name.empty()) throw UsageError("weft::register_actor: the name is empty");
  if (!actor) throw UsageError("weft::register_actor: the address is empty");
  Registry& r = registry();
  sched::schedule_point(sched::Op::Custom, &r);
  std::lock_guard guard(r.lock);
  auto [it, inserted] = r.names.try_emplace(name, actor.shared_cell());
  if (!inserted) {
    if (!it->second.expired()) return false;
    it->second = actor.shared_cell();
  }
  // Under the table's lock, so that an exit in between releases the name again.
  if (!actor.cell().add_name(name)) {
    r.names.erase(it);
    return false;
  }
  return true;
}

bool unregister_actor(const std::string& name) {
  Registry& r = registry();
  sched::schedule_point(sched::Op::Custom, &r);
  std::shared_ptr<detail::ActorCell> cell;
  {
    std::lock_guard guard(r.lock);
    auto it = r.names.find(name);
    if (it == r.names.end()) return false;
    cell = it->second.lock();
    r.names.erase(it);
  }
  if (cell) cell->remove_name(name);
  return true;
}

std::optional<ActorAddress> lookup_address(const std::string& name) {
  Registry& r = registry();
  sched::schedule_point(sched::Op::Custom, &r);
  std::lock_guard guard(r.lock);
  auto it = r.names.find(name);
  if (it == r.names.end()) return std::nullopt;
  std::shared_ptr<detail::ActorCell> cell = it->second.lock();
  if (!cell) return std::nullopt;
  return ActorAddress(std::move(cell));
}

void detail::registry_release(const std::string& name, const ActorCell* cell) noexcept {
  Registry& r = registry();
  std::lock_guard guard(r.lock);
  auto it = r.names.find(name);
  if (it == r.names.end()) return;
  const std::shared_ptr<ActorCell> owner = it->second.lock();
  if (owner == nullptr || owner.get() == cell) r.names.erase(it);
}

}  // namespace weft
