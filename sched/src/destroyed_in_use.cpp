// Primitives destroyed while other fibers still use them (see weft/sched/wait_queue.hpp):
// a usage error that aborts, unless a checker is tearing down a failing run.
#include <cstdio>
#include <cstdlib>

#include "weft/sched/fiber.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft::sched::detail {

namespace {

const Waiter* first_waiter(std::initializer_list<const WaitQueue*> queues) noexcept {
  for (const WaitQueue* queue : queues)
    if (!queue->empty()) return queue->front();
  return nullptr;
}

[[noreturn]] void report_and_abort(const char* what, const void* object,
                                   std::initializer_list<const WaitQueue*> queues) noexcept {
  std::fprintf(stderr,
               "weft: %s at %p was destroyed while fibers still wait on it; this is a bug in the "
               "program, not in weft: destroy a primitive only after its last waiter has returned. "
               "Waiting:\n",
               what, object);
  for (const WaitQueue* queue : queues)
    for (const Waiter* w = queue->front(); w; w = w->next) {
      const Fiber* f = w->ticket.fiber;
      std::fprintf(stderr, "  fiber #%llu%s%s%s\n", static_cast<unsigned long long>(f->id()),
                   f->name().empty() ? "" : " '", f->name().c_str(), f->name().empty() ? "" : "'");
    }
  std::abort();
}

}  // namespace

void destroyed_while_waited(const char* what, const void* object,
                            std::initializer_list<const WaitQueue*> queues) noexcept {
  Instrumentation* hooks = instrumentation();
  if (hooks != nullptr && current_fiber() != nullptr) {
    // Each waiter the checker runs leaves the queues before it goes on unwinding.
    while (const Waiter* w = first_waiter(queues))
      if (!hooks->on_destroyed_in_use(what, object, w->ticket.fiber, true)) break;
  }
  if (first_waiter(queues) != nullptr) report_and_abort(what, object, queues);
}

void destroyed_while_held(const char* what, const void* object, Fiber* holder) noexcept {
  Instrumentation* hooks = instrumentation();
  Fiber* self = current_fiber();
  if (hooks == nullptr || self == nullptr || holder == self || (holder && holder->finished())) return;
  (void)hooks->on_destroyed_in_use(what, object, holder, false);
}

}  // namespace weft::sched::detail
