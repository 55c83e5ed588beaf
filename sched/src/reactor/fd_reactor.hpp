// What the fd-waiting backends (epoll, poll, select) share: the table of registered
// fds, the interests armed on them, the wake-up eventfd, and the rules that make a
// timeout, a cancel, a deregister and readiness race through one claim. A backend only
// says how to watch fds and how to wait; see epoll_reactor.cpp, poll_reactor.cpp and
// select_reactor.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "weft/sched/reactor.hpp"

namespace weft::sched::detail {

// A registered fd. Lives in its reactor's table; a deregistered slot is reused with a
// new generation, so a late event for the old fd finds a generation that does not match.
struct FdRegistration : IoRegistration {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  WaitTicket armed[2];  // by Interest index; fiber == nullptr when nothing is armed
  std::uintptr_t claim_detail[2] = {0, 0};
  // Edge-triggered backends: readiness that arrived while nothing was armed, consumed by
  // the next arm() (which then claims at once).
  bool ready[2] = {false, false};
  // No further edge may come for bytes already there, so a reader must try its reads
  // (wait_after_drain): the read side reported its end (hang-up, the peer's shutdown),
  // or TCP urgent data arrived (a read stops short at its mark, and the bytes after
  // the mark came with the same edge). Set under the lock, read without it.
  std::atomic<bool> reads_must_try{false};
};


class FdReactor : public Reactor {
 public:
  FdReactor(const FdReactor&) = delete;
  FdReactor& operator=(const FdReactor&) = delete;
  ~FdReactor() override;

  void prepare_wait() noexcept override {
    ensure_wake_fd();
    sleeping_.store(true, std::memory_order_seq_cst);  // publishes wake_fd_ to wake()
  }
  void cancel_wait() noexcept override { sleeping_.store(false, std::memory_order_relaxed); }
  std::size_t wait(std::optional<Duration> timeout) noexcept override;
  void wake() noexcept override;

  bool supports_fds() const noexcept override { return true; }
  IoRegistration* register_fd(int fd) override;
  void arm(IoRegistration& registration, Interest interest, WaitTicket ticket,
           std::uintptr_t claim_detail) override;
  bool disarm(IoRegistration& registration, Interest interest, WaitTicket ticket) noexcept override;
  void deregister(IoRegistration& registration) noexcept override;
  bool wait_after_drain(const IoRegistration& registration) const noexcept override {
    return !static_cast<const FdRegistration&>(registration).reads_must_try.load(std::memory_order_relaxed);
  }
  bool has_armed() const noexcept override { return armed_count_.load(std::memory_order_acquire) > 0; }
  IoStats stats() const noexcept override;

 protected:
  FdReactor();

  // What readiness a backend saw: `key` as given to the backend (registration_key()).
  struct Event {
    std::uint64_t key;
    bool readable;
    bool writable;
    bool reads_must_try = false;  // see FdRegistration::reads_must_try
  };
  // An armed fd as a level-triggered backend watches it during one wait (a copy: the
  // registration may change while the backend waits).
  struct ArmedFd {
    int fd;
    std::uint64_t key;
    bool readable;
    bool writable;
  };
  static constexpr std::uint64_t kWakeKey = ~std::uint64_t{0};
  static std::uint64_t registration_key(const FdRegistration& r) noexcept {
    return (std::uint64_t{r.generation} << 32) | r.slot;
  }

  // ---- the backend ---------------------------------------------------------------
  // Starts watching a newly registered fd (edge-triggered backends register once here).
  virtual void watch(FdRegistration& registration) = 0;
  // Stops watching it (called before the fd is forgotten, with the table lock held).
  virtual void unwatch(FdRegistration& registration) noexcept = 0;
  // Blocks until readiness, a wake-up on wake_fd() or the timeout (milliseconds, -1 =
  // none) and appends what it saw to `out`. `armed` lists the armed interests, for the
  // level-triggered backends that build their fd set per wait (empty for the others).
  virtual void wait_for_events(int timeout_ms, const std::vector<ArmedFd>& armed,
                               std::vector<Event>& out) noexcept = 0;
  // True for edge-triggered backends: readiness seen with nothing armed is remembered.
  virtual bool edge_triggered() const noexcept = 0;

  // -1 until the worker first prepares to sleep (or if the process had no fd to spare:
  // the wait then naps in 1 ms slices, so a wake-up is still seen).
  int wake_fd() const noexcept { return wake_fd_.load(std::memory_order_acquire); }
  // Makes the wake fd now if there is none yet; returns it (or -1).
  int ensure_wake_fd() noexcept;
  void count_backend_call(std::atomic<std::uint64_t>& counter) const noexcept {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  mutable struct Counters {
    std::atomic<std::uint64_t> waits{0};
    std::atomic<std::uint64_t> control{0};  // epoll_ctl and the like
  } counters_;

 private:
  void drain_wake_fd() noexcept;
  struct Claim {
    WaitTicket ticket;
    std::uintptr_t detail;
  };
  std::size_t deliver(const std::vector<Event>& events, std::vector<Claim>& claims, bool drain_wake_fd) noexcept;
  void collect_armed(std::vector<ArmedFd>& out);

  // Made once, by the first worker to sleep or the first fd registration
  // (ensure_wake_fd); read by wakers on any thread.
  std::atomic<int> wake_fd_{-1};
  std::atomic<bool> sleeping_{false};
  std::atomic<std::size_t> armed_count_{0};

  std::mutex lock_;  // guards the table and every registration's armed/ready fields
  std::vector<std::unique_ptr<FdRegistration>> table_;
  std::vector<std::uint32_t> free_slots_;
  std::atomic<std::uint64_t> readiness_{0};
};

// The backends (one file each).
std::unique_ptr<Reactor> make_epoll_reactor();
std::unique_ptr<Reactor> make_poll_reactor();
std::unique_ptr<Reactor> make_select_reactor();

}  // namespace weft::sched::detail
