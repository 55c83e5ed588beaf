// Lock misuse: the wrong lock, the wrong mode of a readers-writer lock, a lock held
// across a wait, a permit never given back. Each bug beside its fix; the benchmark
// (tools/bugbench) runs them all.
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;
using weft::check::Shared;

// --- a cache filled under the read lock -------------------------------------------------
// Textbook readers-writer misuse (the reason Java's ReentrantReadWriteLock documents
// that a read lock cannot be upgraded): a reader that misses fills the cache while it
// holds only the shared lock, so two readers that missed together both compute it.

struct Cache {
  weft::SharedMutex lock;
  Atomic<int> slot{0};  // 0 = empty
  Atomic<int> computations{0};

  int compute() {
    computations.fetch_add(1);
    return 42;
  }
};

void check_cache_users(Cache& cache, int (*lookup)(Cache&)) {
  std::vector<weft::JoinHandle<void>> readers;
  for (int i = 0; i < 2; ++i) readers.push_back(weft::spawn([&] { WEFT_ASSERT(lookup(cache) == 42); }));
  for (auto& r : readers) r.join();
  WEFT_ASSERT(cache.computations.load() == 1);
}

WEFT_SCENARIO_MUST_FAIL(rwlock_cache_fill, "a reader that misses fills the cache under the shared lock") {
  Cache cache;
  check_cache_users(cache, [](Cache& c) {
    std::shared_lock reading(c.lock);
    int value = c.slot.load();
    if (value == 0) {
      value = c.compute();
      c.slot.store(value);
    }
    return value;
  });
}

WEFT_SCENARIO(rwlock_cache_fill_fixed, "a reader that misses takes the exclusive lock and looks again") {
  Cache cache;
  check_cache_users(cache, [](Cache& c) {
    {
      std::shared_lock reading(c.lock);
      if (int value = c.slot.load(); value != 0) return value;
    }
    std::unique_lock writing(c.lock);
    int value = c.slot.load();
    if (value == 0) {
      value = c.compute();
      c.slot.store(value);
    }
    return value;
  });
}

// --- an "upgrade" that does not look again ---------------------------------------------
// Textbook readers-writer misuse (the pattern Boost's upgrade_mutex rationale warns
// about): a fiber checks under the shared lock, lets go, takes the exclusive lock and
// acts on what it saw; another fiber acted in between, and the last seat is sold twice.

struct Theatre {
  weft::SharedMutex lock;
  Shared<int> free_seats{1};
  Atomic<int> sold{0};
};

void sell_seats(Theatre& theatre, bool recheck) {
  auto buy = [&] {
    {
      std::shared_lock reading(theatre.lock);
      if (theatre.free_seats.load() == 0) return;
    }
    std::unique_lock writing(theatre.lock);
    if (recheck && theatre.free_seats.load() == 0) return;
    theatre.free_seats.store(theatre.free_seats.load() - 1);
    theatre.sold.fetch_add(1);
  };
  auto a = weft::spawn(buy, {.name = "buyer-a"});
  auto b = weft::spawn(buy, {.name = "buyer-b"});
  a.join();
  b.join();
  WEFT_ASSERT(theatre.sold.load() == 1);
}

WEFT_SCENARIO_MUST_FAIL(rwlock_upgrade_no_recheck, "a buyer checks under the read lock, then writes without looking again") {
  Theatre theatre;
  sell_seats(theatre, false);
}

WEFT_SCENARIO(rwlock_upgrade_no_recheck_fixed, "the buyer checks the seat again under the write lock") {
  Theatre theatre;
  sell_seats(theatre, true);
}

// --- the wrong lock -----------------------------------------------------------------------
// SCTBench CS/wronglock_bad: most fibers update a counter under one mutex, one fiber
// under another; the two critical sections do not exclude each other. (A data race: the
// checker reports the unordered accesses before the lost update shows.)

constexpr int kIncrementers = 3;

void count_up(bool same_lock) {
  weft::Mutex counter_lock, other_lock;
  Shared<int> counter{0};
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < kIncrementers; ++i) {
    weft::Mutex* lock = (i == 0 && !same_lock) ? &other_lock : &counter_lock;
    fibers.push_back(weft::spawn([&counter, lock] {
      std::lock_guard guard(*lock);
      counter.store(counter.load() + 1);
    }));
  }
  for (auto& f : fibers) f.join();
  WEFT_ASSERT(counter.load() == kIncrementers);
}

WEFT_SCENARIO_MUST_FAIL(wronglock, "one of three fibers increments the counter under a different mutex") {
  count_up(false);
}

WEFT_SCENARIO(wronglock_fixed, "all three fibers increment under the same mutex") { count_up(true); }

// --- join while holding the lock the joined fiber needs ---------------------------------
// Tu et al., "Understanding Real-World Concurrency Bugs in Go" (ASPLOS 2019): waiting for
// a worker (there wg.Wait()) while holding a mutex the worker still has to take.

struct Journal {
  weft::Mutex mutex;
  Shared<int> entries{0};

  void write() {
    std::lock_guard guard(mutex);
    entries.store(entries.load() + 1);
  }
};

WEFT_SCENARIO_MUST_FAIL(join_under_lock, "the owner joins a worker while holding the mutex the worker needs") {
  Journal journal;
  auto worker = weft::spawn([&] { journal.write(); }, {.name = "worker"});
  std::lock_guard guard(journal.mutex);
  worker.join();
  WEFT_ASSERT(journal.entries.load() == 1);
}

WEFT_SCENARIO(join_under_lock_fixed, "the owner joins the worker first, then takes the mutex") {
  Journal journal;
  auto worker = weft::spawn([&] { journal.write(); }, {.name = "worker"});
  worker.join();
  std::lock_guard guard(journal.mutex);
  WEFT_ASSERT(journal.entries.load() == 1);
}

// --- a permit not returned on an early exit ---------------------------------------------
// Tu et al. (ASPLOS 2019) again, the missing Unlock on a return path: a request that
// sees the cancellation flag after it took the pool's only connection returns without
// giving it back, and the next request waits forever.

struct Pool {
  weft::Semaphore connections{1};
  Atomic<bool> cancelled{false};
  Atomic<int> served{0};
};

// Returns the permit on every path.
class Permit {
 public:
  explicit Permit(weft::Semaphore& semaphore) : semaphore_(semaphore) { semaphore_.acquire(); }
  ~Permit() { semaphore_.release(); }
  Permit(const Permit&) = delete;
  Permit& operator=(const Permit&) = delete;

 private:
  weft::Semaphore& semaphore_;
};

template <class Request>
void serve_with_cancel(Pool& pool, Request request) {
  auto cancellable = weft::spawn([&] { request(true); }, {.name = "cancellable"});
  auto canceller = weft::spawn([&] { pool.cancelled.store(true); }, {.name = "canceller"});
  auto plain = weft::spawn([&] { request(false); }, {.name = "plain"});
  cancellable.join();
  canceller.join();
  plain.join();
  WEFT_ASSERT(pool.served.load() >= 1);
}

WEFT_SCENARIO_MUST_FAIL(permit_leak, "a request returns early on cancellation without releasing its permit") {
  Pool pool;
  serve_with_cancel(pool, [&](bool may_cancel) {
    pool.connections.acquire();
    if (may_cancel && pool.cancelled.load()) return;
    pool.served.fetch_add(1);
    pool.connections.release();
  });
}

WEFT_SCENARIO(permit_leak_fixed, "the permit is held by a guard that releases it on every path") {
  Pool pool;
  serve_with_cancel(pool, [&](bool may_cancel) {
    Permit permit(pool.connections);
    if (may_cancel && pool.cancelled.load()) return;
    pool.served.fetch_add(1);
  });
}

}  // namespace
