// The eventfd idle wait (see eventfd_reactor.hpp).
#include "eventfd_reactor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <system_error>

namespace weft::sched::detail {

EventfdReactor::EventfdReactor() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "weft: eventfd");
}

EventfdReactor::~EventfdReactor() { ::close(fd_); }

std::size_t EventfdReactor::wait(std::optional<Duration> timeout) noexcept {
  int ms = -1;
  if (timeout) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(*timeout).count();
    ms = us <= 0 ? 0 : static_cast<int>(std::min<long long>((us + 999) / 1000, 1 << 30));
  }
  pollfd p{fd_, POLLIN, 0};
  ::poll(&p, 1, ms);
  std::uint64_t drained;
  while (::read(fd_, &drained, sizeof drained) > 0) {
  }
  sleeping_.store(false, std::memory_order_relaxed);
  return 0;
}

void EventfdReactor::wake() noexcept {
  if (!sleeping_.load(std::memory_order_seq_cst)) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

}  // namespace weft::sched::detail
