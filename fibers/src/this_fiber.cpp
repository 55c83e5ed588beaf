// Operations on the calling fiber (weft/this_fiber.hpp).
#include "weft/this_fiber.hpp"

namespace weft::this_fiber {

void sleep_until(TimePoint deadline, std::source_location where) {
  sched::require_fiber("weft::this_fiber::sleep");
  if (sched::sleep_until(deadline, where) == sched::WakeReason::Cancelled) throw Cancelled();
}

sched::FiberId id() noexcept {
  sched::Fiber* f = sched::current_fiber();
  return f ? f->id() : 0;
}

const std::string& name() noexcept {
  static const std::string none;
  sched::Fiber* f = sched::current_fiber();
  return f ? f->name() : none;
}

bool cancel_requested() noexcept {
  sched::Fiber* f = sched::current_fiber();
  return f && f->cancel_pending();
}

}  // namespace weft::this_fiber
