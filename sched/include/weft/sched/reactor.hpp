// The Reactor seam: where a worker with nothing to run waits, and where readiness of
// file descriptors comes from. Chosen through SchedulerOptions::reactor, as the Clock
// is. Two kinds of implementation sit behind it:
//   - production backends, which block the worker thread in the kernel: epoll (the
//     default), poll and select (sched/src/reactor/, one file each);
//   - the checker's reactor (sched/check/src/checked_reactor.hpp), which blocks nobody:
//     it polls the armed fds at every scheduling decision, the way the checker's
//     virtual clock moves time only when every fiber is blocked.
// Either way readiness reaches a fiber the same way: through the claim of an ordinary
// claimed wait (kernel.hpp), so a timeout, a cancellation and readiness race through one
// try_claim and exactly one of them ends the wait.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "weft/sched/time.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft::sched {

// What a fiber waits for on a file descriptor.
enum class Interest : std::uint8_t {
  Readable = 1,
  Writable = 2,
};

// 0 for Readable, 1 for Writable: where a reactor keeps each interest's wait.
inline int interest_index(Interest interest) noexcept { return interest == Interest::Readable ? 0 : 1; }

// The UsageError of Reactor::arm when a second fiber waits for the same fd and interest.
[[noreturn]] void throw_second_waiter(int fd, Interest interest);

// A registered file descriptor (see Reactor::register_fd). Each reactor derives its
// own registration with what it keeps of the fd; to everyone else it is a handle.
struct IoRegistration {
  int fd = -1;
  // How waits on it read in dumps and deadlock reports: "fd 7 readable", "fd 7 writable"
  // (filled in by sched::register_io).
  char wait_names[2][24] = {};
};

// What a reactor has done so far, for benchmarks (calls per request) and dumps.
struct IoStats {
  std::uint64_t waits = 0;           // epoll_wait / poll / select calls
  std::uint64_t control_calls = 0;   // epoll_ctl calls (registering, forgetting fds)
  std::uint64_t readiness = 0;       // waits ended by readiness
};

// The wake-up detail of a wait ended because its fd was deregistered.
inline constexpr std::uintptr_t kWakeDeregistered = 1;

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

  // False for reactors that only sleep: the calls below then throw UsageError naming
  // the reactor.
  virtual bool supports_fds() const noexcept { return false; }
  // Registers `fd` once for as long as it stays open; the registration is the handle
  // of every later wait on it.
  virtual IoRegistration* register_fd(int fd);
  // Arms a one-shot interest: when the fd becomes ready for `interest`, the reactor
  // claims `ticket` (WakeReason::Notified, with `claim_detail`: a select passes its
  // case index) and wakes the fiber. A wait that a timeout or
  // a cancel claimed first is simply not claimed again (try_claim fails).
  // Readiness seen while nothing was armed (edge-triggered backends remember it) ends
  // the wait at once. One fiber at a time may wait per fd and interest.
  virtual void arm(IoRegistration& registration, Interest interest, WaitTicket ticket,
                   std::uintptr_t claim_detail);
  // Takes back an interest armed with `ticket` whose wait ended otherwise (a timeout, a
  // cancel). Returns false if readiness had taken it already.
  virtual bool disarm(IoRegistration& registration, Interest interest, WaitTicket ticket) noexcept;
  // Forgets the fd (before it is closed): armed waits are claimed with
  // WakeReason::Cancelled and detail kWakeDeregistered, and the registration is freed,
  // so a reused fd number never delivers the old fd's readiness.
  virtual void deregister(IoRegistration& registration) noexcept;
  // After a read that drained the fd (a short read on a TCP socket or a pipe), may the
  // next read wait for readiness without trying first? Only if new data is sure to raise
  // readiness that this reactor has not delivered yet: not once the read side reported
  // its end (an edge-triggered backend sees the hang-up once, maybe with the last bytes,
  // and no edge follows), nor once TCP urgent data came (a read stops short at its
  // mark, and the bytes after it came with the same edge). Default: no, always try the
  // read.
  virtual bool wait_after_drain(const IoRegistration&) const noexcept { return false; }
  // True while some armed interest may still fire: deadlock detection then does not
  // declare the fibers stuck (fd waits count as stuck only through this).
  virtual bool has_armed() const noexcept { return false; }

  virtual IoStats stats() const noexcept { return {}; }

  // A short name for messages and dumps ("epoll", "poll", "select", ...).
  virtual const char* name() const noexcept = 0;
};

// The reactor named `name`: "epoll", "poll" or "select". Throws UsageError for another
// name (the message lists the valid ones).
std::unique_ptr<Reactor> make_reactor(std::string_view name);

// The reactor a runtime uses when SchedulerOptions::reactor is empty: the one named by
// the environment variable WEFT_REACTOR if it is set, else epoll.
std::unique_ptr<Reactor> make_default_reactor();

}  // namespace weft::sched
