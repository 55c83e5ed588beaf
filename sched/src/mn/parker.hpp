// How an idle worker sleeps under M:N when another worker waits in the reactor: on a
// futex word of its own, for at most the time to its earliest timer, until any thread
// unparks it. An unpark that comes first is kept (a permit), so a wake-up between
// "nothing to do" and "asleep" is never lost.
//
// The word is 0 (nothing), 1 (a permit) or 2 (asleep). park() consumes a permit or
// sleeps; unpark() leaves a permit and calls the kernel only when the owner sleeps.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>

#include "weft/sched/time.hpp"

namespace weft::sched::detail {

class Parker {
 public:
  // Owner only. Returns when unparked (true) or when `timeout` passed (false); a permit
  // left by an earlier unpark() is consumed at once (true). May also return true early
  // and spuriously, as futexes do: callers look for work again either way.
  bool park(std::optional<Duration> timeout = std::nullopt) noexcept {
    if (state_.exchange(kEmpty, std::memory_order_acquire) == kNotified) return true;
    std::uint32_t expected = kEmpty;
    if (!state_.compare_exchange_strong(expected, kParked, std::memory_order_acquire))
      return consume();  // unparked in between: expected is kNotified
    timespec relative{};
    if (timeout) {
      const auto ns = std::max<std::int64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(*timeout).count(), 0);
      relative.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      relative.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    const long r = ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, kParked,
                             timeout ? &relative : nullptr, nullptr, 0);
    const bool timed_out = r != 0 && errno == ETIMEDOUT;
    // Whatever woke us, leave "asleep"; a permit that arrived meanwhile counts as the wake-up.
    return state_.exchange(kEmpty, std::memory_order_acquire) == kNotified || !timed_out;
  }

  // Owner: consumes a pending permit without sleeping; true if there was one.
  bool try_consume() noexcept {
    return state_.load(std::memory_order_seq_cst) == kNotified &&
           state_.exchange(kEmpty, std::memory_order_acquire) == kNotified;
  }

  // Any thread: wakes the owner if it sleeps, else leaves it a permit. Sequentially
  // consistent, so a waker that then looks at other state pairs with an owner that
  // looks at this permit after publishing that state.
  void unpark() noexcept {
    if (state_.exchange(kNotified, std::memory_order_seq_cst) == kParked)
      ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

 private:
  static constexpr std::uint32_t kEmpty = 0, kNotified = 1, kParked = 2;
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

  bool consume() noexcept {
    state_.store(kEmpty, std::memory_order_relaxed);
    return true;
  }

  std::atomic<std::uint32_t> state_{kEmpty};
};

}  // namespace weft::sched::detail
