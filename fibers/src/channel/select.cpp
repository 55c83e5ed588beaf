// weft::select (see weft/channel/select.hpp): poll every case under all of their locks, and if
// none is ready publish one Waiter per case under a single wait ticket. Holding every
// lock across the poll and the publishing is what prevents a lost wake-up: a
// counterpart that arrives meanwhile either found our Waiter or was found by our poll.
#include "weft/channel/select.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <vector>

#include "weft/errors.hpp"

namespace weft {

namespace detail {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

// A uniformly distributed start index in [0, n). A per-thread xorshift64*, read and
// written without a switch in between (no thread-local is held across a switch);
// under the interleaving checker the start is a recorded choice instead.
std::size_t random_below(std::size_t n) {
  if (n <= 1) return 0;
  if (sched::detail::instrumentation() != nullptr) return choose(n, sched::Choice::Data);
  thread_local std::uint64_t state WEFT_TLS_FAST = 0;
  std::uint64_t x = state;
  if (x == 0) {
    x = static_cast<std::uint64_t>(SteadyClock::now().time_since_epoch().count()) ^
        reinterpret_cast<std::uintptr_t>(&state);
    x |= 1;
  }
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  state = x;
  return static_cast<std::size_t>(((x * 0x2545F4914F6CDD1DULL) >> 32) % n);
}

// The distinct locks of the wait cases, taken in address order (the same order for
// every select and channel, so two selects over the same channels cannot deadlock).
class LockSet {
 public:
  explicit LockSet(std::span<sched::detail::SpinLock*> locks) : locks_(locks) {}
  LockSet(const LockSet&) = delete;
  LockSet& operator=(const LockSet&) = delete;
  ~LockSet() {
    if (held_) unlock();
  }
  void lock() noexcept {
    for (sched::detail::SpinLock* l : locks_) l->lock();
    held_ = true;
  }
  void unlock() noexcept {
    for (sched::detail::SpinLock* l : locks_) l->unlock();
    held_ = false;
  }

 private:
  std::span<sched::detail::SpinLock*> locks_;
  bool held_ = false;
};

// Withdraws every published Waiter when the wait ends, also when unwinding, and notes
// which case a waker completed (kNone if none did). When the claim says a channel party
// completed case `fired`, that party unlinked its node and published its slot before
// waking us, and its channel may be gone already (the party returned and destroyed it):
// only the other cases are relocked, each on its own.
struct Withdraw {
  LockSet& locks;
  std::span<SelectCase* const> cases;
  std::size_t& completed;
  std::size_t fired = kNone;
  ~Withdraw() {
    if (fired != kNone) {
      for (std::size_t i = 0; i < cases.size(); ++i) {
        if (i == fired || cases[i]->kind() != SelectCase::Kind::Wait) continue;
        sched::detail::SpinLock* lock = cases[i]->lock();
        if (lock) lock->lock();
        cases[i]->dequeue();
        if (lock) lock->unlock();
      }
      completed = fired;
      return;
    }
    locks.lock();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (cases[i]->kind() != SelectCase::Kind::Wait) continue;
      cases[i]->dequeue();
      if (cases[i]->completed()) completed = i;
    }
    locks.unlock();
  }
};

Selected fire(std::span<SelectCase* const> cases, std::size_t index) {
  return Selected{index, cases[index]->complete()};
}

}  // namespace

Selected select_cases(std::span<SelectCase* const> cases, std::span<sched::detail::SpinLock*> lock_scratch) {
  const std::size_t n = cases.size();
  std::size_t waits = 0;
  std::size_t default_index = kNone;
  std::size_t deadline_index = kNone;
  const void* object = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    switch (cases[i]->kind()) {
      case SelectCase::Kind::Wait:
        if (waits++ == 0) object = cases[i]->object();
        break;
      case SelectCase::Kind::Default:
        if (default_index != kNone)
          throw UsageError("weft::select: more than one otherwise case");
        default_index = i;
        break;
      case SelectCase::Kind::Deadline:
        deadline_index = deadline_index == kNone ? i : deadline_index;
        break;
    }
  }
  schedule_point(sched::Op::Select, object);

  // The earliest deadline (the first of equal ones).
  std::optional<TimePoint> deadline;
  TimePoint now{};
  if (deadline_index != kNone) {
    now = sched::now();
    for (std::size_t i = deadline_index; i < n; ++i) {
      if (cases[i]->kind() != SelectCase::Kind::Deadline) continue;
      TimePoint at = cases[i]->deadline(now);
      if (!deadline || at < *deadline) {
        deadline = at;
        deadline_index = i;
      }
    }
    if (*deadline == TimePoint::max()) deadline.reset();  // never due
  }

  std::size_t nlocks = 0;
  for (SelectCase* c : cases) {
    if (c->kind() != SelectCase::Kind::Wait) continue;
    c->prepare();
    if (sched::detail::SpinLock* l = c->lock()) lock_scratch[nlocks++] = l;
  }
  std::sort(lock_scratch.begin(), lock_scratch.begin() + nlocks, std::less<sched::detail::SpinLock*>());
  nlocks = static_cast<std::size_t>(
      std::unique(lock_scratch.begin(), lock_scratch.begin() + nlocks) - lock_scratch.begin());
  LockSet locks(lock_scratch.first(nlocks));

  // Poll every wait case once, starting at a random one.
  locks.lock();
  if (waits > 0) {
    std::size_t skip = random_below(waits);
    std::size_t start = 0;
    for (;; ++start)
      if (cases[start]->kind() == SelectCase::Kind::Wait && skip-- == 0) break;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (start + k) % n;
      if (cases[i]->kind() == SelectCase::Kind::Wait && cases[i]->try_fire()) {
        locks.unlock();
        return fire(cases, i);
      }
    }
  }
  if (default_index != kNone) {
    locks.unlock();
    return fire(cases, default_index);
  }
  if (deadline && *deadline <= now) {
    locks.unlock();
    return fire(cases, deadline_index);
  }

  // Nothing is ready: one wait, one Waiter per case, all claimable with the case index.
  sched::require_fiber("weft::select");
  sched::WaitTicket ticket = sched::begin_wait(sched::WaitRecord{sched::WaitKind::Select, object, "select"});
  for (std::size_t i = 0; i < n; ++i)
    if (cases[i]->kind() == SelectCase::Kind::Wait) cases[i]->enqueue(ticket, i);
  locks.unlock();
  sched::WaitOutcome outcome;
  std::size_t completed = kNone;
  {
    Withdraw withdraw{locks, cases, completed};
    outcome = sched::await(ticket, deadline);
    if (outcome.reason == sched::WakeReason::Notified) withdraw.fired = outcome.detail;
  }
  // Notified: the claim detail is the index of the case a channel party completed.
  // Otherwise no party claimed the wait and the case slots, read after relocking, are
  // untouched: a deadline or a cancel ended it.
  if (completed != kNone) return fire(cases, completed);
  if (outcome.reason == sched::WakeReason::Timeout) return fire(cases, deadline_index);
  throw Cancelled();
}

}  // namespace detail

Selected select(std::span<SelectCase* const> cases) {
  std::vector<sched::detail::SpinLock*> locks(cases.size());
  return detail::select_cases(cases, locks);
}

}  // namespace weft
