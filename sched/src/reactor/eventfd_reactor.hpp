// The first and simplest Reactor: an idle worker sleeps on an eventfd until its next
// timer or until another thread wakes it. It waits for no file descriptors.
#pragma once

#include <atomic>

#include "weft/sched/reactor.hpp"

namespace weft::sched::detail {

class EventfdReactor final : public Reactor {
 public:
  EventfdReactor();
  EventfdReactor(const EventfdReactor&) = delete;
  EventfdReactor& operator=(const EventfdReactor&) = delete;
  ~EventfdReactor() override;

  void prepare_wait() noexcept override { sleeping_.store(true, std::memory_order_seq_cst); }
  void cancel_wait() noexcept override { sleeping_.store(false, std::memory_order_relaxed); }
  std::size_t wait(std::optional<Duration> timeout) noexcept override;
  void wake() noexcept override;
  const char* name() const noexcept override { return "eventfd"; }

 private:
  int fd_ = -1;
  std::atomic<bool> sleeping_{false};
};

}  // namespace weft::sched::detail
