// The eventfd idle wait (see eventfd_reactor.hpp).
#include "eventfd_reactor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>

namespace weft::sched::detail {

namespace {
constexpr int kNapMs = 1;
}  // namespace

EventfdReactor::~EventfdReactor() {
  if (int fd = fd_.load(std::memory_order_relaxed); fd >= 0) ::close(fd);
}

void EventfdReactor::prepare_wait() noexcept {
  if (fd_.load(std::memory_order_relaxed) < 0)  // may fail: see wait()
    fd_.store(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), std::memory_order_relaxed);
  sleeping_.store(true, std::memory_order_seq_cst);  // publishes fd_ to wake()
}

std::size_t EventfdReactor::wait(std::optional<Duration> timeout) noexcept {
  int ms = -1;
  if (timeout) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(*timeout).count();
    ms = us <= 0 ? 0 : static_cast<int>(std::min<long long>((us + 999) / 1000, 1 << 30));
  }
  const int fd = fd_.load(std::memory_order_relaxed);
  if (fd < 0) {
    // No eventfd (the process is out of descriptors): nap in short slices instead, so
    // a wake-up is still seen within a millisecond.
    ::poll(nullptr, 0, ms < 0 ? kNapMs : std::min(ms, kNapMs));
    sleeping_.store(false, std::memory_order_relaxed);
    return 0;
  }
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, ms);
  std::uint64_t drained;
  while (::read(fd, &drained, sizeof drained) > 0) {
  }
  sleeping_.store(false, std::memory_order_relaxed);
  return 0;
}

void EventfdReactor::wake() noexcept {
  if (!sleeping_.load(std::memory_order_seq_cst)) return;
  const int fd = fd_.load(std::memory_order_relaxed);
  if (fd < 0) return;  // the sleeper naps in short slices instead
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
}

}  // namespace weft::sched::detail
