// Tearing down a failing run whatever its frames own. A fiber that fails (WEFT_ASSERT, an
// exception) may own primitives other fibers still wait on or were just handed; those
// fibers touch the primitive when they resume, so they must unwind before it is gone:
//   - a failing fiber lets the fibers started after it (which usually use objects of its
//     frame) unwind first, before it throws (unwind_newer_first);
//   - a primitive destroyed while in use runs its users first (on_destroyed_in_use). An
//     exception the run does not know about yet makes the run fail there, provisionally:
//     the exception's own report replaces that failure once it ends the run.
#include <algorithm>
#include <exception>
#include <sstream>
#include <vector>

#include "controller.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::check::detail {

bool Controller::ready(const sched::Fiber& fiber) const {
  return std::any_of(ready_.begin(), ready_.end(), [&](const Ready& r) { return r.fiber == &fiber; });
}

void Controller::run_now(sched::Fiber& fiber) {
  ready_.erase(std::find_if(ready_.begin(), ready_.end(), [&](const Ready& r) { return r.fiber == &fiber; }));
  preempting_ = sched::current_fiber();  // requeued; runs again when its turn comes
  sched::detail::preempt_to(fiber);
}

bool Controller::unwind_newer_first() {
  sched::Fiber* self = sched::current_fiber();
  if (self == nullptr || !failed()) return false;
  sched::detail::unwind_all();  // also fibers started since the run failed
  const std::size_t mine = number(self);
  bool ran = false;
  for (;;) {
    sched::Fiber* newest = nullptr;
    std::size_t newest_number = mine;
    for (const Ready& r : ready_)
      if (r.number > newest_number) {
        newest = r.fiber;
        newest_number = r.number;
      }
    if (newest == nullptr) return ran;
    run_now(*newest);  // it unwinds until it ends or blocks
    ran = true;
  }
}

bool Controller::on_destroyed_in_use(const char* what, const void* object, sched::Fiber* user,
                                     bool waiting) {
  sched::Fiber* self = sched::current_fiber();
  if (self == nullptr) return false;
  if (!failed()) {
    const bool exception_unwinds = std::uncaught_exceptions() > 0;
    // A lock another fiber holds, destroyed in a run that goes on: that fiber may never
    // touch it again, which is the program's business. While an exception unwinds, the
    // run cannot tell, and tears down rather than let the holder touch freed memory.
    if (!waiting && !exception_unwinds) return false;
    std::ostringstream msg;
    msg << what << " at " << object << " was destroyed while ";
    if (user)
      msg << "fiber " << fiber_label(number(user)) << (waiting ? " still waits on it" : " still holds it");
    else
      msg << "fibers still hold it shared";
    if (exception_unwinds) msg << ", as an exception unwound fiber " << fiber_label(number(self));
    msg << ": destroy a primitive only after its last user has returned";
    fail(FailureKind::Exception, msg.str());
    provisional_ = exception_unwinds;
  }
  bool ran = unwind_newer_first();
  // Older users run now too: the object goes away once this returns.
  std::vector<sched::Fiber*> users;
  if (user) {
    users.push_back(user);
  } else {
    for (const Ready& r : ready_)
      if (r.fiber->wait_record().object == object) users.push_back(r.fiber);
  }
  for (sched::Fiber* f : users)
    if (ready(*f)) {
      run_now(*f);
      ran = true;
    }
  return ran;
}

}  // namespace weft::check::detail
