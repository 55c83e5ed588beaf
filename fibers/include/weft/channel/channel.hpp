// Channel<T>: a FIFO multi-producer multi-consumer channel between fibers, like a Go
// channel or Boost.Fiber's buffered_channel/unbuffered_channel. See basic_channel.hpp
// for the contract of every operation; select.hpp waits on several channels at once.
//
//   weft::Channel<int> ch(10);                 // bounded: up to 10 buffered values
//   weft::Channel<int> sync;                   // rendezvous (capacity 0)
//   weft::Channel<int> queue(weft::kUnbounded);
//   ch.send(1);                                // ChannelStatus::ok or ::closed
//   if (auto r = ch.recv()) use(*r);           // RecvResult<int>: ok, or closed
//   ch.close();
//   for (int v : ch) use(v);                   // until closed and drained
#pragma once

#include <cstddef>

#include "weft/channel/basic_channel.hpp"
#include "weft/channel/channel_status.hpp"
#include "weft/channel/detail/ring_buffer.hpp"

namespace weft {

// Values leave in the order they were sent (per sender; across senders in the order
// their sends completed). Waiting receivers are served first come, first served, and so
// are waiting senders. Not copyable or movable: share it by reference or shared_ptr.
template <class T>
class Channel : public BasicChannel<T, detail::RingBuffer<T>> {
 public:
  // A channel with room for `capacity` buffered values: 0 (default) is a rendezvous
  // channel, kUnbounded one whose sends never block. The buffer grows on demand.
  explicit Channel(std::size_t capacity = 0)
      : BasicChannel<T, detail::RingBuffer<T>>(capacity) {}
};

}  // namespace weft
