// The checker seam. Every visible operation calls schedule_point() first, and sync
// primitives report happens-before edges. In production no Instrumentation is
// installed and each hook costs one predictable branch; the interleaving checker
// installs one to take every scheduling decision and to track vector clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string>
#include <vector>

#include "weft/sched/macros.hpp"

namespace weft::sched {

class Fiber;

// Visible operations, as named in traces and reports.
enum class Op : std::uint8_t {
  Spawn, Join, Yield, Sleep, Park, Unpark,
  Lock, Unlock, Wait, Notify,
  Send, Recv, Select, Close,
  Load, Store, Rmw,
  Io, Custom,
};

const char* to_string(Op op) noexcept;

// What a choice is about, for choose().
enum class Choice : std::uint8_t {
  Waiter,          // which waiter notify_one wakes
  SpuriousWakeup,  // 0 = no, 1 = wake a condition-variable waiter spuriously
  CasFailure,      // 0 = no, 1 = fail a compare_exchange_weak spuriously
  Data,            // a scenario's own nondeterministic choice
};

class Instrumentation {
 public:
  virtual ~Instrumentation() = default;
  // Called by the running fiber before a visible operation on `object`.
  virtual void schedule_point(Op op, const void* object, std::source_location where) = 0;
  // `object` was released by the running fiber: later acquires happen after this.
  virtual void hb_release(const void* object) = 0;
  // The running fiber acquired `object`: it now happens after its last release.
  virtual void hb_acquire(const void* object) = 0;
  // Picks one of n alternatives (n >= 1); production picks 0.
  virtual std::size_t choose(std::size_t n, Choice what) = 0;
  // Every remaining fiber is blocked for good (called before they are unwound).
  virtual void on_deadlock(const std::vector<const sched::Fiber*>& blocked) { (void)blocked; }
  // A fiber ended with an exception that nobody will observe.
  virtual void on_fiber_failed(std::uint64_t fiber_id, const std::string& name, const char* what) {
    (void)fiber_id;
    (void)name;
    (void)what;
  }
  // A fiber finished (its body returned or threw).
  virtual void on_fiber_exit(const sched::Fiber& fiber) { (void)fiber; }
  // The running fiber destroys a primitive (`what`, e.g. "a mutex", at `object`) that
  // `user` may still touch on its way out: `user` waits on it (`waiting`), or holds it
  // and may not have run since it was handed over (null: fibers that hold it shared,
  // unnamed). A checker tearing down a failing run lets them unwind first, while the
  // object still exists, and returns true; the default returns false (see
  // sched::detail::destroyed_while_waited for what follows).
  virtual bool on_destroyed_in_use(const char* what, const void* object, Fiber* user, bool waiting) {
    (void)what;
    (void)object;
    (void)user;
    (void)waiting;
    return false;
  }

  // `object` has a name (a named lock): reports may use it instead of the address.
  virtual void on_named(const void* object, const char* name) {
    (void)object;
    (void)name;
  }
  // The running fiber's next visible operation carries this message (e.g. "tell
  // Withdraw"): reports show it beside that step. `what` is copied.
  virtual void on_message(const char* what) { (void)what; }
  // The running fiber read (write = false) or wrote tracked memory at `object`.
  virtual void on_access(const void* object, bool write, std::source_location where) {
    (void)object;
    (void)write;
    (void)where;
  }
};

}  // namespace weft::sched

extern "C" {
// The instrumentation of the calling kernel thread; use weft::sched::detail::instrumentation().
extern constinit thread_local weft::sched::Instrumentation* weft_instrumentation_tls WEFT_TLS_FAST;
}

namespace weft::sched {
namespace detail {
WEFT_NOINLINE Instrumentation* instrumentation_slow() noexcept;

// The instrumentation of the calling kernel thread (null in production). Never cached
// across a switch: fibers may migrate between threads.
inline Instrumentation* instrumentation() noexcept {
#ifdef WEFT_HAVE_TLS_ASM
  return WEFT_TLS_READ(Instrumentation*, weft_instrumentation_tls);
#else
  return instrumentation_slow();
#endif
}
void set_instrumentation(Instrumentation* hooks) noexcept;
}  // namespace detail

// Marks a visible operation. Cheap when no checker is attached.
inline void schedule_point(Op op, const void* object = nullptr,
                           std::source_location where = std::source_location::current()) {
  if (Instrumentation* hooks = detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
    hooks->schedule_point(op, object, where);
}

inline void hb_release(const void* object) {
  if (Instrumentation* hooks = detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
    hooks->hb_release(object);
}

inline void hb_acquire(const void* object) {
  if (Instrumentation* hooks = detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
    hooks->hb_acquire(object);
}

// Tells the checker the name of `object` (static, or owned by the object), for its
// reports. Primitives with names call it before their visible operations.
inline void name_object(const void* object, const char* name) {
  if (Instrumentation* hooks = detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
    hooks->on_named(object, name);
}

// Asks the checker to pick one of n alternatives; 0 in production.
inline std::size_t choose(std::size_t n, Choice what) {
  if (Instrumentation* hooks = detail::instrumentation(); WEFT_UNLIKELY(hooks != nullptr))
    return hooks->choose(n, what);
  return 0;
}

}  // namespace weft::sched
