// The Reactor seam: where a worker with nothing to run waits, and where readiness of
// file descriptors comes from. Chosen through SchedulerOptions::reactor, as the Clock
// is. Two kinds of implementation sit behind it:
//   - production backends, which block the worker thread in the kernel (today the
//     eventfd idle wait; epoll, poll and select are planned, see docs/architecture.md);
//   - a controlled reactor (planned for the checker), which blocks nobody and delivers
//     readiness when the checker's strategy decides, the way its virtual clock moves
//     time only when every fiber is blocked.
// Either way readiness reaches a fiber the same way: through the claim of an ordinary
// claimed wait (kernel.hpp), so a timeout, a cancellation and readiness race through one
// try_claim and exactly one of them ends the wait.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "weft/sched/time.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft::sched {

// What a fiber waits for on a file descriptor.
enum class Interest : std::uint8_t {
  Readable = 1,
  Writable = 2,
};

// A registered file descriptor (see Reactor::register_fd). Opaque to the kernel.
struct IoRegistration;

class Reactor {
 public:
  virtual ~Reactor() = default;

  // ---- the idle wait (every reactor) ---------------------------------------------

  // The worker is about to wait: from now on a wake() makes the next wait() return at
  // once. The worker looks for work once more after this and then calls wait() or, if
  // it found work, cancel_wait(). Called on the waiting worker's thread.
  virtual void prepare_wait() noexcept = 0;
  virtual void cancel_wait() noexcept = 0;
  // Blocks until readiness, a wake() or `timeout` (nullopt: no timeout; zero: look
  // without blocking). Readiness found is delivered before it returns, by claiming the
  // waits armed for it (try_wake with WakeReason::Notified). Returns how many waits it
  // ended. Ends the announcement of prepare_wait().
  virtual std::size_t wait(std::optional<Duration> timeout) noexcept = 0;
  // Wakes a worker that announced a wait (blocked in wait() or about to be); does
  // nothing otherwise. Safe from any thread.
  virtual void wake() noexcept = 0;

  // ---- file descriptors (backends that wait for them) ----------------------------

  // False for reactors that only sleep (the eventfd idle wait): the calls below then
  // throw UsageError naming the reactor.
  virtual bool supports_fds() const noexcept { return false; }
  // Registers `fd` once for as long as it stays open; the registration is the handle
  // of every later wait on it.
  virtual IoRegistration* register_fd(int fd);
  // Arms a one-shot interest: when the fd becomes ready for `interest`, the reactor
  // claims `ticket` (WakeReason::Notified) and wakes the fiber. A wait that a timeout or
  // a cancel claimed first is simply not claimed again (try_claim fails).
  virtual void arm(IoRegistration& registration, Interest interest, WaitTicket ticket);
  // Forgets the fd (before it is closed): armed waits are claimed with
  // WakeReason::Cancelled and the registration is freed, so a reused fd number never
  // delivers the old fd's readiness.
  virtual void deregister(IoRegistration& registration) noexcept;
  // True while some armed interest may still fire: deadlock detection then does not
  // declare the fibers stuck.
  virtual bool has_armed() const noexcept { return false; }

  // A short name for messages and dumps ("eventfd", "epoll", ...).
  virtual const char* name() const noexcept = 0;
};

// The reactor a runtime uses when SchedulerOptions::reactor is empty: today the eventfd
// idle wait.
std::unique_ptr<Reactor> make_default_reactor();

}  // namespace weft::sched
