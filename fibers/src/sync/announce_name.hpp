// Named locks tell the checker their names, so that its reports say "mutex 'orders'"
// rather than an address. Internal to weft.
#pragma once

#include <string>

#include "weft/sched/instrumentation.hpp"

namespace weft::detail {

// Before a lock operation on `lock`; nothing when it has no name (or in production).
inline void announce_name(const void* lock, const std::string& name) {
  if (!name.empty()) sched::name_object(lock, name.c_str());
}

}  // namespace weft::detail
