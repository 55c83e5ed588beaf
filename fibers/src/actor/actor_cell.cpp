// The exit protocol of actors: kills, links, monitors, and what an exit sets off.
#include "weft/actor/detail/actor_cell.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>

#include "weft/actor/registry.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/spawn.hpp"

namespace weft::detail {

namespace {
std::atomic<std::uint64_t> next_actor_id{1};

constexpr std::int64_t kUnstartedBacklog = 256;
std::atomic<std::int64_t> unstarted_actors{0};

// Whether `weak` points at `cell` or at nothing any more (a link to prune either way).
bool same_or_gone(const std::weak_ptr<ActorCell>& weak, const ActorCell* cell) {
  const std::shared_ptr<ActorCell> strong = weak.lock();
  return strong == nullptr || strong.get() == cell;
}

// "actor-<id>", built in place (no temporaries: every unnamed actor pays for it).
std::string default_name(std::uint64_t id) {
  char text[32] = "actor-";
  const auto end = std::to_chars(text + 6, text + sizeof text, id).ptr;
  return std::string(text, end);
}
}  // namespace

bool actor_spawned() noexcept {
  return unstarted_actors.fetch_add(1, std::memory_order_relaxed) >= kUnstartedBacklog;
}
void actor_started() noexcept { unstarted_actors.fetch_sub(1, std::memory_order_relaxed); }
void yield_to_new_actors() {
  if (sched::current_fiber() != nullptr) sched::yield();
}

ActorCell::ActorCell(std::string name)
    : id_(next_actor_id.fetch_add(1, std::memory_order_relaxed)),
      name_(name.empty() ? default_name(id_) : std::move(name)) {}

ActorCell::~ActorCell() = default;

bool ActorCell::alive() const {
  std::lock_guard guard(lock_);
  return state_ != State::exited;
}

std::optional<ExitReason> ActorCell::exit_reason() const {
  std::lock_guard guard(lock_);
  return exit_reason_;
}

std::optional<ExitReason> ActorCell::wait_exit(std::optional<TimePoint> deadline) {
  {
    std::lock_guard guard(lock_);
    if (gone_) return exit_reason_;
    exit_awaited_ = true;  // from now on gone() sets the event
  }
  if (deadline) {
    if (!exited_.wait_until(*deadline)) return std::nullopt;
  } else {
    exited_.wait();
  }
  return exit_reason();
}

void ActorCell::gone() noexcept {
  bool awaited;
  {
    std::lock_guard guard(lock_);
    gone_ = true;
    awaited = exit_awaited_;
  }
  if (awaited) exited_.set();  // most actors are never waited for: no event to touch
}

// ---- signals ------------------------------------------------------------------------

void ActorCell::exit_signal(const ActorAddress& from, const ExitReason& reason) {
  if (reason.kind() == ExitReason::Kind::killed) return kill(reason);  // untrappable
  linked_exit(from, reason);
}

void ActorCell::linked_exit(const ActorAddress& from, const ExitReason& reason) {
  if (traps_exits() && post_exit_signal(ExitSignal{from, reason})) return;
  if (reason.is_normal()) return;
  kill(reason);
}

void ActorCell::kill(const ExitReason& reason) {
  std::lock_guard guard(lock_);
  if (state_ == State::exited || pending_kill_) return;
  pending_kill_ = reason;
  kill_requested_.store(true, std::memory_order_release);
  if (fiber_ != nullptr) fiber_->request_cancel();
}

std::optional<ExitReason> ActorCell::pending_kill() const {
  std::lock_guard guard(lock_);
  return pending_kill_;
}

std::optional<ExitReason> ActorCell::add_link(ActorCell& peer) {
  std::lock_guard guard(lock_);
  ever_watched_ = true;
  if (state_ == State::exited) return exit_reason_;
  links_.push_back(peer.weak_from_this());
  return std::nullopt;
}

void ActorCell::link(ActorCell& a, ActorCell& b) {
  if (&a == &b) return;
  // Step one: a records b, unless a has exited (then b hears of it).
  if (std::optional<ExitReason> a_gone = a.add_link(b)) return b.linked_exit(a.address(), *a_gone);
  // Step two: b records a, unless b has exited meanwhile (then a hears of it).
  if (std::optional<ExitReason> b_gone = b.add_link(a)) {
    unlink(a, b);
    a.linked_exit(b.address(), *b_gone);
  }
}

void ActorCell::drop_link(const ActorCell* peer) {
  std::lock_guard guard(lock_);
  std::erase_if(links_, [peer](const std::weak_ptr<ActorCell>& w) { return same_or_gone(w, peer); });
}

void ActorCell::unlink(ActorCell& a, ActorCell& b) {
  a.drop_link(&b);
  b.drop_link(&a);
}

MonitorRef ActorCell::add_monitor(const std::shared_ptr<ActorCell>& watcher) {
  static std::atomic<std::uint64_t> next_ref{1};
  const MonitorRef ref{next_ref.fetch_add(1, std::memory_order_relaxed)};
  std::optional<ExitReason> gone;
  {
    std::lock_guard guard(lock_);
    ever_watched_ = true;
    if (state_ == State::exited)
      gone = exit_reason_;
    else
      monitors_.push_back(Monitor{watcher, ref});
  }
  if (gone) (void)watcher->post_down(Down{address(), *gone, ref});
  return ref;
}

void ActorCell::remove_monitor(MonitorRef ref) {
  std::lock_guard guard(lock_);
  std::erase_if(monitors_, [ref](const Monitor& m) { return m.ref == ref; });
}

// ---- names --------------------------------------------------------------------------

bool ActorCell::add_name(const std::string& name) {
  std::lock_guard guard(lock_);
  if (state_ == State::exited) return false;
  names_.push_back(name);
  return true;
}

void ActorCell::remove_name(const std::string& name) {
  std::lock_guard guard(lock_);
  std::erase(names_, name);
}

// ---- the actor's fiber ----------------------------------------------------------------

void ActorCell::started(sched::Fiber& fiber) {
  actor_started();
  std::lock_guard guard(lock_);
  fiber_ = &fiber;
  fiber_id_ = fiber.id();
  state_ = State::running;
  if (pending_kill_) fiber.request_cancel();
}

bool ActorCell::runs_on_calling_fiber() const noexcept {
  // fiber_ is written only by the actor's own fiber: reading it there needs no lock.
  return fiber_ != nullptr && fiber_ == sched::current_fiber();
}

void ActorCell::orphan_ask(std::function<void(const ExitReason*)> settle) {
  orphaned_asks_.push_back(std::move(settle));
}

void ActorCell::settle_orphaned_asks(const ExitReason* reason) noexcept {
  std::vector<std::function<void(const ExitReason*)>> asks;
  asks.swap(orphaned_asks_);
  for (auto& settle : asks) settle(reason);
}

void ActorCell::finish(const ExitReason& reason) noexcept {
  std::vector<std::weak_ptr<ActorCell>> links;
  std::vector<Monitor> monitors;
  std::vector<std::string> names;
  bool watched;
  {
    std::lock_guard guard(lock_);
    state_ = State::exited;
    exit_reason_ = reason;
    fiber_ = nullptr;
    links.swap(links_);
    monitors.swap(monitors_);
    names.swap(names_);
    watched = ever_watched_;
  }
  // The name first, so that it is free before anyone hears of the exit; then the
  // mailbox, so that asks in it fail with the reason.
  for (const std::string& name : names) registry_release(name, this);
  close_mailbox();
  const ActorAddress self = address();
  for (const auto& weak : links) {
    if (std::shared_ptr<ActorCell> peer = weak.lock()) {
      peer->drop_link(this);
      peer->linked_exit(self, reason);
    }
  }
  for (const Monitor& m : monitors)
    if (std::shared_ptr<ActorCell> watcher = m.watcher.lock())
      (void)watcher->post_down(Down{self, reason, m.ref});
  if (!reason.is_clean() && reason.kind() != ExitReason::Kind::killed && !watched)
    report_crash_nobody_watched(reason);
}

void ActorCell::report_crash_nobody_watched(const ExitReason& reason) const noexcept {
  std::exception_ptr error = reason.exception();
  if (!error) error = std::make_exception_ptr(Error(reason.describe()));
  report_unjoined(fiber_id_, name_, error);
}

}  // namespace weft::detail
