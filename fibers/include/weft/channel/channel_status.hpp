// Outcomes of channel operations: ChannelStatus, RecvResult<T>, and the kUnbounded
// capacity. Expected outcomes (a full, empty or closed channel, a timeout) are values;
// only cancellation and misuse are exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "weft/errors.hpp"

namespace weft {

// The capacity of a channel whose buffer grows without bound: send never blocks.
inline constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

// What a channel operation did.
enum class ChannelStatus : std::uint8_t {
  ok,       // the value was sent or received
  empty,    // try_recv: nothing to receive yet (the channel is open)
  full,     // try_send: no buffer space and no waiting receiver (the channel is open)
  closed,   // send: the channel is closed; recv: it is closed and drained
  timeout,  // the deadline of a timed operation passed first
};

// "ok", "empty", "full", "closed" or "timeout".
const char* to_string(ChannelStatus status) noexcept;

template <class T, class Buffer>
class BasicChannel;
namespace detail {
struct ChannelAccess;
}

// The outcome of a receive: a status and, when the status is ok, the value. Move-only
// if T is. Test it like an optional: `if (auto r = ch.recv()) use(*r);`.
template <class T>
class RecvResult {
 public:
  // A result with status `empty` and no value.
  RecvResult() noexcept = default;
  // A result without a value (any status but ok).
  explicit RecvResult(ChannelStatus status) noexcept : status_(status) {}

  ChannelStatus status() const noexcept { return status_; }
  // True when a value was received (status() == ok).
  bool ok() const noexcept { return status_ == ChannelStatus::ok; }
  explicit operator bool() const noexcept { return ok(); }

  // The received value. Throws UsageError when there is none (status() != ok).
  T& value() & {
    check();
    return *value_;
  }
  const T& value() const& {
    check();
    return *value_;
  }
  T&& value() && {
    check();
    return std::move(*value_);
  }

  // The received value without a check. Precondition: ok().
  T& operator*() & noexcept { return *value_; }
  const T& operator*() const& noexcept { return *value_; }
  T&& operator*() && noexcept { return std::move(*value_); }
  T* operator->() noexcept { return &*value_; }
  const T* operator->() const noexcept { return &*value_; }

  // Moves the value (if any) out into an optional.
  std::optional<T> take() && { return std::move(value_); }

 private:
  template <class U, class Buffer>
  friend class BasicChannel;
  friend struct detail::ChannelAccess;

  void check() const {
    if (!ok())
      throw UsageError(std::string("weft::RecvResult::value: no value (status ") +
                       to_string(status_) + ")");
  }
  // Called by the channel, with its lock held. Does not throw (T is nothrow movable).
  void fulfil(T&& value) noexcept {
    value_.emplace(std::move(value));
    status_ = ChannelStatus::ok;
  }
  void set_status(ChannelStatus status) noexcept { status_ = status; }
  // Back to a fresh result (a select case that is prepared again).
  void clear() noexcept {
    value_.reset();
    status_ = ChannelStatus::empty;
  }

  ChannelStatus status_ = ChannelStatus::empty;
  std::optional<T> value_;
};

}  // namespace weft
