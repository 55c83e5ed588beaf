// Operations on the calling fiber.
#pragma once

#include <chrono>
#include <source_location>
#include <string>

#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::this_fiber {

// Lets every other ready fiber on this worker run once. A no-op outside a fiber.
inline void yield(std::source_location where = std::source_location::current()) {
  sched::yield(where);
}

// Sleeps until `deadline` on the runtime's clock (virtual under the checker).
// Throws weft::Cancelled if the fiber is cancelled meanwhile; UsageError outside a fiber.
void sleep_until(TimePoint deadline, std::source_location where = std::source_location::current());

template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> duration,
               std::source_location where = std::source_location::current()) {
  sleep_until(detail::deadline_after(duration), where);
}

// The calling fiber's id (0 outside a fiber) and name ("" outside a fiber).
sched::FiberId id() noexcept;
const std::string& name() noexcept;

// True when a cancellation of the calling fiber is pending (it will be delivered by the
// next blocking call). Lets CPU-bound loops stop early.
bool cancel_requested() noexcept;

}  // namespace weft::this_fiber
