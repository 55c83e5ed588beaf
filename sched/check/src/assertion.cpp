// WEFT_ASSERT's failure: under the checker it fails the run and unwinds; elsewhere it throws.
#include <exception>

#include "controller.hpp"
#include "weft/check/tracked.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::check::detail {

void assertion_failed(const char* expression, std::source_location where) {
  std::string message = std::string("WEFT_ASSERT(") + expression + ") failed at " + site_of(where);
  if (auto* controller = dynamic_cast<Controller*>(sched::detail::instrumentation());
      controller && sched::current_fiber()) {
    controller->fail(FailureKind::Assertion, message);
    controller->unwind_newer_first();  // they may use this fiber's frame
    throw sched::detail::Unwind{};  // ends this fiber; the others unwind too
  }
  throw AssertionFailed(message);
}

}  // namespace weft::check::detail
