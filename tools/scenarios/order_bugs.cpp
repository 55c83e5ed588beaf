// Order violations: one fiber assumes another has already done something (initialised,
// registered, published) and nothing enforces that order. Each bug beside its fix; the
// benchmark (tools/bugbench) runs them all.
#include <mutex>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;

// --- use before initialisation: the child reads what its creator writes after spawn ----
// Lu et al., "Learning from Mistakes" (ASPLOS 2008), Mozilla's nsThread order violation:
// the new thread reads the creator's mThread field, which the creator assigns only when
// the creating call returns.

struct ThreadRecord {
  Atomic<int> state{0};  // 0 = not set up yet
};

WEFT_SCENARIO_MUST_FAIL(use_before_init, "the creator sets up the child's record after spawning it") {
  ThreadRecord record;
  auto child = weft::spawn([&] { WEFT_ASSERT(record.state.load() != 0); }, {.name = "child"});
  record.state.store(1);
  child.join();
}

WEFT_SCENARIO(use_before_init_fixed, "the creator sets up the record before spawning the child") {
  ThreadRecord record;
  record.state.store(1);
  auto child = weft::spawn([&] { WEFT_ASSERT(record.state.load() != 0); }, {.name = "child"});
  child.join();
}

// --- WaitGroup.Add inside the new fiber ------------------------------------------------
// Tu et al., "Understanding Real-World Concurrency Bugs in Go" (ASPLOS 2019), seen in
// Docker and etcd: wg.Add(1) is called by the goroutine itself, so wg.Wait() can run
// before any Add and return at once, with the work not done.

constexpr int kWorkers = 2;

WEFT_SCENARIO_MUST_FAIL(waitgroup_add_in_fiber, "each worker calls wg.add(1) itself, so wait() may return early") {
  weft::WaitGroup wg;
  Atomic<int> finished{0};
  std::vector<weft::JoinHandle<void>> workers;
  for (int i = 0; i < kWorkers; ++i)
    workers.push_back(weft::spawn([&] {
      wg.add(1);
      finished.fetch_add(1);
      wg.done();
    }));
  wg.wait();
  WEFT_ASSERT(finished.load() == kWorkers);
  for (auto& w : workers) w.join();
}

WEFT_SCENARIO(waitgroup_add_in_fiber_fixed, "the spawner calls wg.add before starting each worker") {
  weft::WaitGroup wg;
  Atomic<int> finished{0};
  std::vector<weft::JoinHandle<void>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    wg.add(1);
    workers.push_back(weft::spawn([&] {
      finished.fetch_add(1);
      wg.done();
    }));
  }
  wg.wait();
  WEFT_ASSERT(finished.load() == kWorkers);
  for (auto& w : workers) w.join();
}

// --- double-checked locking that publishes before it constructs ------------------------
// Meyers and Alexandrescu, "C++ and the Perils of Double-Checked Locking" (2004): the
// instance pointer becomes visible before the object behind it is initialised, so a
// fiber on the fast path uses a half-built singleton.

struct Config {
  Atomic<int> port{0};  // 0 = not initialised
};

struct LazyConfig {
  Atomic<Config*> instance{nullptr};
  weft::Mutex mutex;
  Config storage;
  Atomic<int> initialisations{0};
};

template <class Init>
int read_port(LazyConfig& lazy, Init init) {
  Config* config = lazy.instance.load();
  if (config == nullptr) {
    std::lock_guard guard(lazy.mutex);
    config = lazy.instance.load();
    if (config == nullptr) config = init(lazy);
  }
  return config->port.load();
}

void check_users(LazyConfig& lazy, Config* (*init)(LazyConfig&)) {
  std::vector<weft::JoinHandle<void>> users;
  for (int i = 0; i < 2; ++i)
    users.push_back(weft::spawn([&] { WEFT_ASSERT(read_port(lazy, init) == 8080); }));
  for (auto& u : users) u.join();
  WEFT_ASSERT(lazy.initialisations.load() == 1);
}

WEFT_SCENARIO_MUST_FAIL(double_checked_locking, "the singleton's pointer is published before its fields are set") {
  LazyConfig lazy;
  check_users(lazy, [](LazyConfig& l) {
    l.initialisations.fetch_add(1);
    l.instance.store(&l.storage);
    l.storage.port.store(8080);
    return &l.storage;
  });
}

WEFT_SCENARIO(double_checked_locking_fixed, "the singleton is fully initialised, then published") {
  LazyConfig lazy;
  check_users(lazy, [](LazyConfig& l) {
    l.initialisations.fetch_add(1);
    l.storage.port.store(8080);
    l.instance.store(&l.storage);
    return &l.storage;
  });
}

// --- lazy initialisation without the second check ---------------------------------------
// Textbook (the half of double-checked locking people leave out): the flag is tested
// outside the lock and not again inside, so two fibers that both saw "not yet" both
// initialise.

WEFT_SCENARIO_MUST_FAIL(init_twice, "the init flag is checked before the lock and not rechecked under it") {
  Atomic<bool> ready{false};
  Atomic<int> initialisations{0};
  weft::Mutex mutex;
  auto use = [&] {
    if (!ready.load()) {
      std::lock_guard guard(mutex);
      initialisations.fetch_add(1);
      ready.store(true);
    }
  };
  auto a = weft::spawn(use, {.name = "user-a"});
  auto b = weft::spawn(use, {.name = "user-b"});
  a.join();
  b.join();
  WEFT_ASSERT(initialisations.load() == 1);
}

WEFT_SCENARIO(init_twice_fixed, "the flag is checked again under the lock") {
  Atomic<bool> ready{false};
  Atomic<int> initialisations{0};
  weft::Mutex mutex;
  auto use = [&] {
    if (!ready.load()) {
      std::lock_guard guard(mutex);
      if (!ready.load()) {
        initialisations.fetch_add(1);
        ready.store(true);
      }
    }
  };
  auto a = weft::spawn(use, {.name = "user-a"});
  auto b = weft::spawn(use, {.name = "user-b"});
  a.join();
  b.join();
  WEFT_ASSERT(initialisations.load() == 1);
}

}  // namespace
