// Internal: how the sync primitives name a fiber in their usage-error and lock-order reports.
// Not part of the API: this header lives next to the sources and is not installed.
#pragma once

#include <string>

#include "weft/sched/fiber.hpp"

namespace weft::detail {

// "fiber 'name' (#id)", or "fiber #id" for an unnamed one; for reports.
std::string describe(const sched::Fiber& fiber);
// describe() of the calling fiber, or "a thread outside any weft runtime".
std::string describe_current();

}  // namespace weft::detail
