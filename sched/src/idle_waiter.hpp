// How an idle worker sleeps: until a deadline or until another thread wakes it. Built
// on an eventfd so that the reactor can later wait on the same descriptor.
#pragma once

#include <atomic>
#include <optional>

#include "weft/sched/time.hpp"

namespace weft::sched::detail {

class IdleWaiter {
 public:
  IdleWaiter();
  IdleWaiter(const IdleWaiter&) = delete;
  IdleWaiter& operator=(const IdleWaiter&) = delete;
  ~IdleWaiter();

  // Announces the intent to sleep; re-check for work after this and before sleep().
  void prepare() noexcept { sleeping_.store(true, std::memory_order_seq_cst); }
  void cancel() noexcept { sleeping_.store(false, std::memory_order_relaxed); }
  // Blocks the kernel thread until wake() or the deadline (none: no timeout).
  void sleep(std::optional<Duration> timeout) noexcept;
  // Wakes the sleeper if it announced sleeping. Safe from any thread.
  void wake() noexcept;

 private:
  int fd_ = -1;
  std::atomic<bool> sleeping_{false};
};

}  // namespace weft::sched::detail
