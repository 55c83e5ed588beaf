// PriorityChannel<T, Compare>: a channel whose receivers get the buffered value of
// highest priority first, and equal ones in the order they were sent. Same operations
// and contract as Channel<T> (see basic_channel.hpp), and usable in select.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>

#include "weft/channel/basic_channel.hpp"
#include "weft/channel/channel_status.hpp"
#include "weft/channel/detail/priority_buffer.hpp"
#include "weft/errors.hpp"

namespace weft {

// Priority as in std::priority_queue: with the default std::less<T> the largest value
// leaves first. Compare must be a strict weak order that does not throw. Ordering applies
// to buffered values; when the channel is full, blocked senders enter the buffer first
// come, first served as space opens.
template <class T, class Compare = std::less<T>>
class PriorityChannel : public BasicChannel<T, detail::PriorityBuffer<T, Compare>> {
  using Base = BasicChannel<T, detail::PriorityBuffer<T, Compare>>;

 public:
  // A channel with room for `capacity` buffered values (kUnbounded by default). Throws
  // UsageError for capacity 0: a rendezvous channel has no buffer to order.
  explicit PriorityChannel(std::size_t capacity = kUnbounded, Compare compare = Compare{})
      : Base(checked(capacity), detail::PriorityBuffer<T, Compare>(std::move(compare))) {}

 private:
  static std::size_t checked(std::size_t capacity) {
    if (capacity == 0)
      throw UsageError("weft::PriorityChannel: capacity 0 has no buffer to order; use Channel");
    return capacity;
  }
};

}  // namespace weft
