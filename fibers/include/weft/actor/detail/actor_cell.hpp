// ActorCell: what the runtime keeps of one actor besides its behaviour -- its name and
// id, whether it runs, its links, monitors and registered names, and the exit protocol.
// The typed part (the mailbox) is ActorCellOf<Msg> in typed_cell.hpp.
//
// Locking: one spin lock per cell guards its state, links, monitors and names. Linking
// two actors takes their locks one after the other, never both at once; an actor that
// exits in between is caught by the second step (see link()).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/actor/actor_address.hpp"
#include "weft/actor/exit_reason.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sync/event.hpp"

namespace weft::detail {

// Fair share for spawners (like the mailboxes' for senders): actors spawned that have not
// started yet, process-wide. A fiber whose spawn finds more than a few hundred of them
// yields once, so that they run (and free what they used) before it makes more; without
// that a loop spawning 40k short-lived actors on one worker holds all of them in memory.
// Returns whether the caller should yield.
bool actor_spawned() noexcept;
void actor_started() noexcept;
void yield_to_new_actors();

class ActorCell : public std::enable_shared_from_this<ActorCell> {
 public:
  explicit ActorCell(std::string name);
  ActorCell(const ActorCell&) = delete;
  ActorCell& operator=(const ActorCell&) = delete;
  virtual ~ActorCell();

  std::uint64_t id() const noexcept { return id_; }
  const std::string& name() const noexcept { return name_; }
  bool alive() const;
  std::optional<ExitReason> exit_reason() const;
  ActorAddress address() { return ActorAddress(shared_from_this()); }

  // Waits for the exit (fibers only); nothing at the deadline.
  std::optional<ExitReason> wait_exit(std::optional<TimePoint> deadline);

  // ---- signals ----------------------------------------------------------------------

  // exit() on an address (see ActorAddress::exit); `from` may be empty.
  void exit_signal(const ActorAddress& from, const ExitReason& reason);
  // Links a and b (both ways). If either has exited already, the other receives its exit
  // signal now, as if it had exited after the link.
  static void link(ActorCell& a, ActorCell& b);
  static void unlink(ActorCell& a, ActorCell& b);
  // `watcher` gets a Down when this actor exits (now, if it has).
  MonitorRef add_monitor(const std::shared_ptr<ActorCell>& watcher);
  void remove_monitor(MonitorRef ref);
  void set_trap_exits(bool on) noexcept { trap_exits_.store(on, std::memory_order_release); }
  bool traps_exits() const noexcept { return trap_exits_.load(std::memory_order_acquire); }

  // ---- names (the registry's side) ---------------------------------------------------

  // Adds `name` to the names to release at exit; false when the actor has exited.
  bool add_name(const std::string& name);
  void remove_name(const std::string& name);

  // ---- the actor's own fiber ---------------------------------------------------------

  // Called first thing in the actor's fiber: from now on a kill cancels that fiber.
  void started(sched::Fiber& fiber);
  // Whether a kill arrived (cheap: the actor looks before each message).
  bool kill_requested() const noexcept { return kill_requested_.load(std::memory_order_acquire); }
  // The reason of a kill that arrived (the actor must end with it), or nothing.
  std::optional<ExitReason> pending_kill() const;
  // Whether the calling fiber is this actor's (then no lock is needed for its own data).
  bool runs_on_calling_fiber() const noexcept;
  // An Ask dropped while an exception leaves the actor's handler: `settle` is called with
  // the exit reason if that exception ends the actor, or with null (the behaviour caught
  // it) once the handler returns. The actor's own fiber only.
  void orphan_ask(std::function<void(const ExitReason*)> settle);
  bool has_orphaned_asks() const noexcept { return !orphaned_asks_.empty(); }
  void settle_orphaned_asks(const ExitReason* reason) noexcept;
  // Called when the behaviour has ended: records the reason, releases the names, closes
  // the mailbox, signals links and monitors.
  void finish(const ExitReason& reason) noexcept;
  // Called last thing, once the behaviour is destroyed too: wakes wait()ers.
  void gone() noexcept;

 protected:
  // Puts an ExitSignal / Down in the mailbox; false when the message type lacks it.
  virtual bool post_exit_signal(ExitSignal&& signal) = 0;
  virtual bool post_down(Down&& down) = 0;
  virtual void close_mailbox() noexcept = 0;

 private:
  enum class State : std::uint8_t { starting, running, exited };
  struct Monitor {
    std::weak_ptr<ActorCell> watcher;
    MonitorRef ref;
  };

  // Records a link to `peer`; this actor's exit reason instead if it has exited.
  std::optional<ExitReason> add_link(ActorCell& peer);
  // Forgets the link to `peer` (and links to actors that are gone).
  void drop_link(const ActorCell* peer);
  // A linked actor exited with `reason`.
  void linked_exit(const ActorAddress& from, const ExitReason& reason);
  // Makes the actor end with `reason` (first kill wins): cancels its fiber's wait.
  void kill(const ExitReason& reason);
  void report_crash_nobody_watched(const ExitReason& reason) const noexcept;

  const std::uint64_t id_;
  const std::string name_;
  // Biased to the spawning thread (with one worker, the only one): its first lock then
  // skips the compare-and-swap that would bias it (measured: 7% of creating an actor).
  mutable sched::detail::SpinLock lock_{sched::detail::SpinLock::BiasToCaller{}};
  State state_ = State::starting;
  std::optional<ExitReason> exit_reason_;
  std::optional<ExitReason> pending_kill_;
  sched::Fiber* fiber_ = nullptr;    // while running
  sched::FiberId fiber_id_ = 0;
  std::vector<std::weak_ptr<ActorCell>> links_;
  std::vector<Monitor> monitors_;
  std::vector<std::string> names_;
  bool ever_watched_ = false;        // linked or monitored at some time
  std::atomic<bool> trap_exits_{false};
  std::atomic<bool> kill_requested_{false};
  bool gone_ = false;          // the behaviour is destroyed too
  bool exit_awaited_ = false;  // somebody called wait_exit() before that
  Event exited_;               // set by gone() once awaited
  std::vector<std::function<void(const ExitReason*)>> orphaned_asks_;  // own fiber only
};

}  // namespace weft::detail
