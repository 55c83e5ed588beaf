// Operations on the calling fiber.
#pragma once

#include <chrono>
#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::this_fiber {

// Lets every other ready fiber on this worker run once. A no-op outside a fiber.
inline void yield() { sched::yield(); }

// Sleeps until `deadline` on the runtime's clock (virtual under the checker).
// Throws weft::Cancelled if the fiber is cancelled meanwhile; UsageError outside a fiber.
void sleep_until(TimePoint deadline);

template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> duration) {
  sleep_until(sched::now() + std::chrono::ceil<Duration>(duration));
}

// The calling fiber's id (0 outside a fiber) and name ("" outside a fiber).
sched::FiberId id() noexcept;
const std::string& name() noexcept;

// True when a cancellation of the calling fiber is pending (it will be delivered by the
// next blocking call). Lets CPU-bound loops stop early.
bool cancel_requested() noexcept;

}  // namespace weft::this_fiber
