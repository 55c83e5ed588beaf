// The first and simplest Reactor: an idle worker sleeps on an eventfd until its next
// timer or until another thread wakes it. It waits for no file descriptors. The eventfd
// is made the first time the worker prepares to sleep: a runtime that never sleeps
// (most short runs, every checker run) costs no system call for it.
#pragma once

#include <atomic>

#include "weft/sched/reactor.hpp"

namespace weft::sched::detail {

class EventfdReactor final : public Reactor {
 public:
  EventfdReactor() = default;
  EventfdReactor(const EventfdReactor&) = delete;
  EventfdReactor& operator=(const EventfdReactor&) = delete;
  ~EventfdReactor() override;

  void prepare_wait() noexcept override;
  void cancel_wait() noexcept override { sleeping_.store(false, std::memory_order_relaxed); }
  std::size_t wait(std::optional<Duration> timeout) noexcept override;
  void wake() noexcept override;
  const char* name() const noexcept override { return "eventfd"; }

 private:
  // -1 until the waiting worker's first announcement makes it (written only there;
  // atomic because a waker on another thread may read it meanwhile).
  std::atomic<int> fd_{-1};
  std::atomic<bool> sleeping_{false};
};

}  // namespace weft::sched::detail
