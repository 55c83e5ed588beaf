// The kernel API: the one seam every wait in weft goes through (see docs/architecture.md).
// Fiber-aware primitives are small state machines over these calls; nothing in weft
// blocks a kernel thread behind the scheduler's back, which is what lets the same code
// run cooperatively in production and under the interleaving checker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "weft/sched/fiber.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/time.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/sched/wait_record.hpp"

namespace weft::sched {

// ---- the running fiber -------------------------------------------------------------

// The fiber running on the calling kernel thread, or null outside any runtime (or on a
// worker's own scheduler context). Never cache the result's worker across a switch.
WEFT_NOINLINE Fiber* current_fiber() noexcept;

// Throws UsageError naming `call` when the caller is not a fiber of a running runtime.
Fiber& require_fiber(const char* call);

// ---- starting fibers ---------------------------------------------------------------

enum class Launch : std::uint8_t {
  Post,      // queue the new fiber; the caller keeps running (default)
  Dispatch,  // run the new fiber now; the caller is queued to continue later
};

struct StartOptions {
  std::size_t stack_size = 0;   // 0 = the runtime's default (64 KiB unless configured)
  Launch launch = Launch::Post;
  // Pins the fiber to this worker (0 .. workers-1): it starts and always runs there,
  // never stolen. Unset: it starts on the caller's worker and may migrate.
  std::optional<std::size_t> worker;
};

// Makes a newly constructed fiber runnable on the calling fiber's worker. The runtime
// takes over the fiber's initial reference. Throws UsageError outside a runtime or
// after it began shutting down. The stack is taken from the pool when the fiber first
// runs, so queued fibers cost no stack memory.
void start(Fiber& fiber, const StartOptions& options = {},
           std::source_location where = std::source_location::current());

// Blocks the calling fiber until `fiber` has finished. If `fiber` has not started yet
// and runs on this worker, it is run right away (the joiner would block anyway).
// Returns WakeReason::Timeout at `deadline`, WakeReason::Cancelled if the caller is
// cancelled. Throws UsageError when a fiber joins itself.
WakeReason join(Fiber& fiber, std::optional<TimePoint> deadline = std::nullopt,
                std::source_location where = std::source_location::current());

// ---- yielding and time -------------------------------------------------------------

// Lets every other ready fiber of this worker run once before the caller continues.
void yield(std::source_location where = std::source_location::current());

// The current worker's clock (virtual under the checker).
TimePoint now();

// Sleeps until `deadline` (Timeout) or until cancelled (Cancelled).
WakeReason sleep_until(TimePoint deadline,
                       std::source_location where = std::source_location::current());

// ---- raw park / unpark -------------------------------------------------------------

// Suspends the calling fiber until unpark() is called for it. Permit semantics: an
// unpark that arrives before the park makes the park return at once. `record` says what
// the fiber waits for (dumps, deadlock reports). Most code wants the claimed waits below.
void park(const WaitRecord& record);

// Makes a parked fiber runnable, or leaves a permit if it is not parked yet. Safe from
// any kernel thread, including threads that are not workers.
void unpark(Fiber& fiber) noexcept;

// ---- claimed waits (see wait_queue.hpp for the protocol) ---------------------------

// Opens a wait of the calling fiber. If a cancellation is pending, the returned ticket
// is already claimed with WakeReason::Cancelled (await returns at once). Throws
// UsageError naming `name` when the caller is not a fiber (nothing is opened then).
// `holder`: see WaitRecord::holder.
WaitTicket begin_wait(WaitKind kind, const void* object, const char* name,
                      const std::atomic<Fiber*>* holder = nullptr);
// The same, for a record. Inline so the fields travel in registers: the callers build
// the record field by field, and reading it back as one wide load would stall.
inline WaitTicket begin_wait(const WaitRecord& record) {
  return begin_wait(record.kind, record.object, record.name, record.holder);
}

// Tries to become the one party that ends the wait `ticket`. On success records
// `reason` and `detail` for the waiter; the caller must then hand over its payload (if
// any) and call wake(ticket) -- without switching fibers in between: the waiter may be
// spinning on the outcome. Safe from any thread.
bool try_claim(WaitTicket ticket, WakeReason reason, std::uintptr_t detail = 0) noexcept;

// Ends a wait claimed by try_claim: publishes the outcome and makes the waiter runnable.
void wake(WaitTicket ticket) noexcept;

// try_claim + wake.
inline bool try_wake(WaitTicket ticket, WakeReason reason, std::uintptr_t detail = 0) noexcept {
  if (!try_claim(ticket, reason, detail)) return false;
  wake(ticket);
  return true;
}

struct WaitOutcome {
  WakeReason reason;
  std::uintptr_t detail;   // what the claimer passed (e.g. which select case fired)
};

// Parks until the wait is claimed; with a deadline, a timer claims it with Timeout.
WaitOutcome await(WaitTicket ticket, std::optional<TimePoint> deadline = std::nullopt);

namespace detail {
// For a controlled scheduler (the checker): switches from the running fiber to `next`,
// which must be Ready and already removed from the policy; the running fiber is requeued.
void preempt_to(Fiber& next);
// Ends the current run early: every live fiber of this worker unwinds (its blocking
// calls throw an internal Unwind object that only the fiber's entry catches).
void unwind_all() noexcept;
bool unwinding(const Fiber& fiber) noexcept;
}  // namespace detail

}  // namespace weft::sched
