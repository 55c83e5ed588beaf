// The shared half of the fd-waiting reactors (see fd_reactor.hpp).
#include "fd_reactor.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::sched::detail {

namespace {

int timeout_in_ms(std::optional<Duration> timeout) noexcept {
  if (!timeout) return -1;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(*timeout).count();
  if (us <= 0) return 0;
  return static_cast<int>(std::min<long long>((us + 999) / 1000, 1 << 30));  // round up
}

}  // namespace

constexpr int kNapMs = 1;  // the idle wait's slices when there is no wake fd

FdReactor::FdReactor() = default;

FdReactor::~FdReactor() {
  if (const int fd = wake_fd(); fd >= 0) ::close(fd);
}

int FdReactor::ensure_wake_fd() noexcept {
  int fd = wake_fd();
  if (fd >= 0) return fd;
  fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);  // may fail (out of fds): see wait()
  if (fd < 0) return fd;
  // With several workers two may get here at once (a sleeper and a fiber registering
  // the first fd): the first one's fd is kept, the other closed.
  int none = -1;
  if (!wake_fd_.compare_exchange_strong(none, fd, std::memory_order_acq_rel, std::memory_order_acquire)) {
    ::close(fd);
    return none;
  }
  return fd;
}

IoRegistration* FdReactor::register_fd(int fd) {
  if (fd < 0) throw UsageError("weft: register_fd: invalid file descriptor " + std::to_string(fd));
  std::lock_guard guard(lock_);
  FdRegistration* r;
  if (!free_slots_.empty()) {
    r = table_[free_slots_.back()].get();
    free_slots_.pop_back();
  } else {
    table_.push_back(std::make_unique<FdRegistration>());
    r = table_.back().get();
    r->slot = static_cast<std::uint32_t>(table_.size() - 1);
  }
  r->fd = fd;
  r->armed[0] = r->armed[1] = WaitTicket{};
  r->ready[0] = r->ready[1] = false;
  r->reads_must_try.store(false, std::memory_order_relaxed);
  try {
    watch(*r);
  } catch (...) {
    r->fd = -1;
    ++r->generation;
    free_slots_.push_back(r->slot);
    throw;
  }
  return r;
}

void FdReactor::arm(IoRegistration& registration, Interest interest, WaitTicket ticket,
                    std::uintptr_t claim_detail) {
  auto& r = static_cast<FdRegistration&>(registration);
  const int i = interest_index(interest);
  bool armed_now = true;
  {
    std::lock_guard guard(lock_);
    if (r.armed[i].fiber != nullptr)
      throw_second_waiter(r.fd, interest);
    if (!r.ready[i]) {
      r.armed[i] = ticket;
      r.claim_detail[i] = claim_detail;
      armed_count_.fetch_add(1, std::memory_order_release);
    } else {
      r.ready[i] = false;  // readiness already seen: end the wait at once
      armed_now = false;
    }
  }
  if (armed_now) {
    // poll and select hand the kernel the interests armed when their wait began: a
    // worker sleeping there now (another worker, under M:N) must look again.
    if (!edge_triggered()) wake();
    return;
  }
  try_wake(ticket, WakeReason::Notified, claim_detail);
}

bool FdReactor::disarm(IoRegistration& registration, Interest interest, WaitTicket ticket) noexcept {
  auto& r = static_cast<FdRegistration&>(registration);
  const int i = interest_index(interest);
  std::lock_guard guard(lock_);
  if (ticket.fiber == nullptr || r.armed[i].fiber != ticket.fiber || r.armed[i].epoch != ticket.epoch) return false;
  r.armed[i] = WaitTicket{};
  armed_count_.fetch_sub(1, std::memory_order_release);
  return true;
}

void FdReactor::deregister(IoRegistration& registration) noexcept {
  auto& r = static_cast<FdRegistration&>(registration);
  WaitTicket waiting[2];
  {
    std::lock_guard guard(lock_);
    unwatch(r);
    for (int i = 0; i < 2; ++i) {
      waiting[i] = r.armed[i];
      if (r.armed[i].fiber != nullptr) armed_count_.fetch_sub(1, std::memory_order_release);
      r.armed[i] = WaitTicket{};
      r.ready[i] = false;
    }
    r.fd = -1;
    ++r.generation;  // a late event for this slot no longer matches
    free_slots_.push_back(r.slot);
  }
  for (WaitTicket t : waiting)
    if (t.fiber != nullptr) try_wake(t, WakeReason::Cancelled, kWakeDeregistered);
}

void FdReactor::collect_armed(std::vector<ArmedFd>& out) {
  std::lock_guard guard(lock_);
  for (const auto& r : table_) {
    const bool readable = r->armed[0].fiber != nullptr, writable = r->armed[1].fiber != nullptr;
    if (readable || writable) out.push_back({r->fd, registration_key(*r), readable, writable});
  }
}

std::size_t FdReactor::wait(std::optional<Duration> timeout) noexcept {
  // Per thread: with several workers each may wait at once.
  thread_local std::vector<ArmedFd> armed;
  thread_local std::vector<Event> events;
  thread_local std::vector<Claim> claims;
  armed.clear();
  events.clear();
  claims.clear();
  if (!edge_triggered() && has_armed()) collect_armed(armed);
  count_backend_call(counters_.waits);
  int ms = timeout_in_ms(timeout);
  if (wake_fd() < 0 && (ms < 0 || ms > kNapMs)) ms = kNapMs;  // no wake fd: nap, look again
  wait_for_events(ms, armed, events);
  // A look without blocking (a busy worker's, while another may sleep here) leaves the
  // sleeper's announcement and its wake-up fd alone: the wake-up is for the sleeper.
  const bool look = timeout && *timeout <= Duration::zero();
  if (!look) sleeping_.store(false, std::memory_order_relaxed);
  return deliver(events, claims, /*drain_wake_fd=*/!look);
}

std::size_t FdReactor::deliver(const std::vector<Event>& events, std::vector<Claim>& claims,
                               bool drain_wake_fd) noexcept {
  bool woken = false;
  {
    std::lock_guard guard(lock_);
    for (const Event& e : events) {
      if (e.key == kWakeKey) {
        woken = true;
        continue;
      }
      const std::uint32_t slot = static_cast<std::uint32_t>(e.key);
      if (slot >= table_.size()) continue;
      FdRegistration& r = *table_[slot];
      if (r.fd < 0 || registration_key(r) != e.key) continue;  // deregistered meanwhile
      // Before the claims below: the reader they wake must see it.
      if (e.reads_must_try) r.reads_must_try.store(true, std::memory_order_relaxed);
      const bool ready[2] = {e.readable, e.writable};
      for (int i = 0; i < 2; ++i) {
        if (!ready[i]) continue;
        if (r.armed[i].fiber != nullptr) {
          claims.push_back({r.armed[i], r.claim_detail[i]});
          r.armed[i] = WaitTicket{};
          armed_count_.fetch_sub(1, std::memory_order_release);
        } else if (edge_triggered()) {
          r.ready[i] = true;
        }
      }
    }
  }
  if (woken && drain_wake_fd) this->drain_wake_fd();
  std::size_t ended = 0;
  for (const Claim& c : claims) ended += try_wake(c.ticket, WakeReason::Notified, c.detail) ? 1 : 0;
  readiness_.fetch_add(claims.size(), std::memory_order_relaxed);
  return ended;
}

void FdReactor::drain_wake_fd() noexcept {
  std::uint64_t drained;
  while (::read(wake_fd(), &drained, sizeof drained) > 0) {
  }
}

void FdReactor::wake() noexcept {
  if (!sleeping_.load(std::memory_order_seq_cst)) return;
  const int fd = wake_fd();
  if (fd < 0) return;  // the sleeper naps in short slices instead
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
}

IoStats FdReactor::stats() const noexcept {
  return IoStats{counters_.waits.load(std::memory_order_relaxed),
                 counters_.control.load(std::memory_order_relaxed),
                 readiness_.load(std::memory_order_relaxed)};
}

}  // namespace weft::sched::detail
