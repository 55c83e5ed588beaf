// weft::lock: takes several locks in one global order (weft/sync/lock.hpp).
#include "weft/sync/lock.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>

#include "weft/errors.hpp"

namespace weft::detail {

void lock_in_address_order(LockSlot* slots, std::size_t count) {
  std::sort(slots, slots + count, [](const LockSlot& a, const LockSlot& b) {
    return std::less<const void*>{}(a.order, b.order);
  });
  for (std::size_t i = 1; i < count; ++i)
    if (slots[i].order == slots[i - 1].order)
      throw UsageError("weft::lock: the same lock was passed twice");
  std::size_t taken = 0;
  try {
    for (; taken < count; ++taken) slots[taken].lock(slots[taken].object);
  } catch (...) {
    while (taken > 0) {
      --taken;
      slots[taken].unlock(slots[taken].object);
    }
    throw;
  }
}

}  // namespace weft::detail
