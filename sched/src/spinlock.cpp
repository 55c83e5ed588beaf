// The biased spin lock's slow paths: revoking a bias, spinning, thread tickets.
#include "weft/sched/spinlock.hpp"

#include <sched.h>

#include "asymmetric_fence.hpp"

extern "C" {
__attribute__((used)) constinit thread_local std::uint64_t weft_thread_ticket_tls WEFT_TLS_FAST = 0;
}

namespace weft::sched::detail {

void PlainSpinLock::lock_slow() noexcept {
  // PAUSE costs ~28 ns on the reference machine: ~64 of them cover a short critical
  // section on the other core; after that the holder was likely preempted.
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (!locked_.load(std::memory_order_relaxed) &&
          !locked_.exchange(true, std::memory_order_acquire))
        return;
      spin_pause();
    }
    ::sched_yield();
  }
}

std::uint64_t assign_thread_ticket() noexcept {
  static std::atomic<std::uint64_t> next{1};
  std::uint64_t& ticket = weft_thread_ticket_tls;
  if (ticket == 0) ticket = next.fetch_add(1, std::memory_order_relaxed);
  return ticket;
}

namespace {

// Revocations so far; past kMaxRevocations no new lock is biased.
constexpr std::uint64_t kMaxRevocations = 1000;
std::atomic<std::uint64_t> g_revocations{0};

bool biasing_on() noexcept {
  return asymmetric_fences() && g_revocations.load(std::memory_order_relaxed) < kMaxRevocations;
}

}  // namespace

void stop_biasing_new_locks() noexcept {
  g_revocations.store(kMaxRevocations, std::memory_order_relaxed);
}

SpinLock::SpinLock(BiasToCaller) noexcept {
  // Biased to the caller, or, with biasing off, unbiased from the start: its first lock
  // then skips the compare-and-swap that would find that out.
  bias_.store(biasing_on() ? thread_ticket() : kRevoked, std::memory_order_relaxed);
}

bool SpinLock::try_bias() noexcept {
  const bool available = biasing_on();
  std::uint64_t expected = 0;
  if (!bias_.compare_exchange_strong(expected, available ? thread_ticket() : kRevoked,
                                     std::memory_order_acq_rel))
    return false;
  return available && enter_as_owner();
}

void SpinLock::revoke(std::uint64_t bias) noexcept {
  g_revocations.fetch_add(1, std::memory_order_relaxed);
  bias_.store(bias | kRevoked, std::memory_order_seq_cst);
  // After this every thread has passed a full fence: the owner either sees the revoked
  // mark before entering, or its owner_inside_ store is visible to whoever holds plain_.
  heavy_fence();
}

void SpinLock::lock_slow() noexcept {
  if (bias_.load(std::memory_order_acquire) == 0 && try_bias()) return;
  plain_.lock();
  const std::uint64_t bias = bias_.load(std::memory_order_acquire);
  if (!(bias & kRevoked)) revoke(bias);
  // The owner may still be inside from before the revocation (every plain holder
  // checks: the revoker may have been a try_lock that gave up).
  for (int spins = 0; owner_inside_.load(std::memory_order_acquire); ++spins) {
    if (spins < 64)
      spin_pause();
    else
      ::sched_yield();
  }
}

void SpinLock::wait_until_free() const noexcept {
  for (int spins = 0; owner_inside_.load(std::memory_order_acquire) || plain_.locked(); ++spins) {
    if (spins < 64)
      spin_pause();
    else
      ::sched_yield();
  }
}

bool SpinLock::try_lock() noexcept {
  const std::uint64_t bias = bias_.load(std::memory_order_relaxed);
  if (bias == thread_ticket()) {
    lock();  // the owner never waits for long: nobody else uses the fast path
    return true;
  }
  if (bias == 0 && try_bias()) return true;
  if (!plain_.try_lock()) return false;
  const std::uint64_t now = bias_.load(std::memory_order_acquire);
  if (!(now & kRevoked)) revoke(now);
  if (owner_inside_.load(std::memory_order_acquire)) {  // the owner holds it: give up
    plain_.unlock();
    return false;
  }
  return true;
}

}  // namespace weft::sched::detail
