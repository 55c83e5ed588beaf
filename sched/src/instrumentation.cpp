// The checker seam's per-thread hooks, invariant failures and the names of operations.
#include "weft/sched/instrumentation.hpp"

#include <cstdio>
#include <cstdlib>

extern "C" {
__attribute__((used)) constinit thread_local weft::sched::Instrumentation*
    weft_instrumentation_tls WEFT_TLS_FAST = nullptr;
}

namespace weft::sched {

namespace detail {

Instrumentation* instrumentation_slow() noexcept { return weft_instrumentation_tls; }
void set_instrumentation(Instrumentation* hooks) noexcept { weft_instrumentation_tls = hooks; }

void invariant_failed(const char* expr, const char* message, const char* file, int line) noexcept {
  std::fprintf(stderr, "weft: internal invariant failed: %s (%s) at %s:%d\n", message, expr, file,
               line);
  std::abort();
}

}  // namespace detail

const char* to_string(Op op) noexcept {
  switch (op) {
    case Op::Spawn: return "spawn";
    case Op::Join: return "join";
    case Op::Yield: return "yield";
    case Op::Sleep: return "sleep";
    case Op::Park: return "park";
    case Op::Unpark: return "unpark";
    case Op::Lock: return "lock";
    case Op::Unlock: return "unlock";
    case Op::Wait: return "wait";
    case Op::Notify: return "notify";
    case Op::Send: return "send";
    case Op::Recv: return "recv";
    case Op::Select: return "select";
    case Op::Close: return "close";
    case Op::Load: return "load";
    case Op::Store: return "store";
    case Op::Rmw: return "read-modify-write";
    case Op::Io: return "io";
    case Op::Custom: return "custom";
  }
  return "?";
}

}  // namespace weft::sched
