// Waiting for any file descriptor the caller owns, without blocking the kernel thread:
//
//   if (!weft::wait_readable_for(fd, 2s)) ...;   // timed out
//   ::read(fd, ...);                             // may still say EAGAIN: try, wait, retry
//
// Each call registers the fd with the runtime's reactor for the wait and forgets it after
// (two epoll_ctl calls with the epoll reactor); the socket types in this room register
// their fd once instead. A wake-up means "probably ready": the call that follows may
// still find nothing (EAGAIN) and wait again.
//
// Return true when the fd is ready, false when the deadline passed first. Throw
// weft::Cancelled when the fiber is cancelled meanwhile, UsageError outside a fiber.
#pragma once

#include <chrono>
#include <optional>

#include "weft/detail/deadline.hpp"
#include "weft/time.hpp"

namespace weft {

bool wait_readable(int fd, std::optional<TimePoint> deadline = std::nullopt);
bool wait_writable(int fd, std::optional<TimePoint> deadline = std::nullopt);

template <class Rep, class Period>
bool wait_readable_for(int fd, std::chrono::duration<Rep, Period> timeout) {
  return wait_readable(fd, detail::deadline_after(timeout));
}
template <class Rep, class Period>
bool wait_writable_for(int fd, std::chrono::duration<Rep, Period> timeout) {
  return wait_writable(fd, detail::deadline_after(timeout));
}

}  // namespace weft
