// The timeout argument of every I/O call: none, a timeout from now, or a point in time.
//
//   stream.read(buffer);                  // waits as long as it takes
//   stream.read(buffer, 2s);              // at most two seconds from now
//   stream.read(buffer, weft::now() + 2s); // until then
//
// A call that reaches its deadline throws std::system_error with std::errc::timed_out.
#pragma once

#include <chrono>
#include <optional>

#include "weft/detail/deadline.hpp"
#include "weft/time.hpp"

namespace weft {

class Deadline {
 public:
  Deadline() noexcept = default;  // no deadline
  Deadline(TimePoint at) noexcept : at_(at) {}  // NOLINT: implicit by design
  template <class Rep, class Period>
  Deadline(std::chrono::duration<Rep, Period> timeout)  // NOLINT: implicit by design
      : at_(detail::deadline_after(timeout)) {}

  std::optional<TimePoint> at() const noexcept {
    if (at_ == TimePoint::max()) return std::nullopt;
    return at_;
  }

 private:
  TimePoint at_ = TimePoint::max();
};

}  // namespace weft
