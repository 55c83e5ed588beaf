// The lost update: three fibers each read a shared value, wait a moment, and write back
// the value plus one. Fibers only switch where they yield, but that is enough: all three
// read before any of them writes, and two of the three increments vanish. Holding a
// weft::Mutex across the read-modify-write makes the updates line up again.
//
// The demo prints both totals and exits non-zero unless the unlocked run loses updates
// and the locked run keeps all of them.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

// A pretend remote store: reads and writes are slow, so callers yield in between.
class FakeDataStore {
 public:
  int read() {
    weft::this_fiber::yield();  // the round trip
    return value_;
  }
  void write(int value) {
    weft::this_fiber::yield();
    value_ = value;
  }
  int value() const { return value_; }

 private:
  int value_ = 0;
};

// Three fibers each add one to the store; `lock` (if any) guards each update. They run
// on one worker, where a fiber switches only where it yields: the updates are lost even
// so. (On several workers they would also race in parallel, a data race besides.)
int run_updates(weft::Mutex* lock) {
  weft::RuntimeOptions one_worker;
  one_worker.workers = 1;
  return weft::run([lock] {
    FakeDataStore store;
    std::vector<weft::JoinHandle<void>> workers;
    for (int id = 1; id <= 3; ++id) {
      workers.push_back(weft::spawn(
          [&store, lock, id] {
            std::optional<std::lock_guard<weft::Mutex>> guard;
            if (lock) guard.emplace(*lock);
            const int seen = store.read();
            std::printf("    worker %d read %d\n", id, seen);
            store.write(seen + 1);
            std::printf("    worker %d wrote %d\n", id, seen + 1);
          },
          {.name = "worker " + std::to_string(id)}));
    }
    for (auto& w : workers) w.join();
    return store.value();
  }, one_worker);
}

}  // namespace

int main() {
  std::printf("Without a lock:\n");
  const int unlocked = run_updates(nullptr);
  std::printf("  total = %d (expected 3: %d update(s) lost)\n\n", unlocked, 3 - unlocked);

  std::printf("With a weft::Mutex around read + write:\n");
  weft::Mutex mutex("store");
  const int locked = run_updates(&mutex);
  std::printf("  total = %d\n", locked);

  if (unlocked >= 3 || locked != 3) {
    std::printf("unexpected totals\n");
    return 1;
  }
  return 0;
}
