// Bugs among about a hundred fibers that need exactly one preemption at one specific
// point: an updater whose two stages must not be split, and 98 workers that look at what
// it updates. The workers start first (a service already running), then the update
// arrives and prepares its change before it applies it. Random scheduling lets every
// fiber progress at the same pace, so the workers are long done when the update reaches
// its split; PCT lets the updater run ahead but must demote it at exactly that one step
// out of a few thousand. Each bug has its fix beside it.
#include <array>
#include <mutex>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;
using weft::check::Shared;

constexpr int kWorkers = 98;
constexpr int kRequests = 8;      // each worker's requests
constexpr int kPreparation = 48;  // the update's steps before it applies its change

// The update's preparation: it computes its change in a scratch table of its own.
// (Tracked objects live in the scenario's frame: the checker's race detector knows no
// lifetimes, and a fiber stack is reused by later fibers.)
int prepare_update(std::array<Shared<int>, kPreparation>& scratch) {
  int sum = 0;
  for (int i = 0; i < kPreparation; ++i) {
    scratch[i].store(i);
    sum += scratch[i].load() % 2;
  }
  return sum;
}

// Spawns the workers, then the updater (which gets the scratch table for its
// preparation), and joins them all. Each worker counts its requests in its own slot.
template <class Worker, class Updater>
void service(Worker worker, Updater updater) {
  std::array<Shared<int>, kWorkers> served;
  std::array<Shared<int>, kPreparation> scratch;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < kWorkers; ++i)
    fibers.push_back(weft::spawn(
        [&, i] {
          for (int r = 0; r < kRequests; ++r) {
            worker();
            served[i].update([](int& n) { ++n; });
          }
        },
        {.name = "worker"}));
  fibers.push_back(weft::spawn([&] { updater(prepare_update(scratch)); }, {.name = "updater"}));
  for (auto& f : fibers) f.join();
}

// --- early publish: a new config made visible before it is complete ---------------------

// A configuration read through one published pointer (read-copy-update style); its fields
// are atomics, so readers never race, but they must see them complete.
struct Config {
  Atomic<int> limit{100};
  Atomic<int> limit_check{100 * 7};  // derived from limit; a reader's sanity check
};

void read_config(Atomic<Config*>& current) {
  Config* c = current.load();
  int limit = c->limit.load();
  WEFT_ASSERT(c->limit_check.load() == limit * 7);
}

WEFT_SCENARIO_MUST_FAIL(early_publish_100,
                        "98 workers read the published config; the updater publishes the new "
                        "one before it sets its last field") {
  Config initial, next;
  Atomic<Config*> current{&initial};
  service([&] { read_config(current); },
          [&](int prepared) {
            int limit = 200 + prepared;
            next.limit.store(limit);
            current.store(&next);  // published too early: a worker may read it right here
            next.limit_check.store(limit * 7);
          });
}

WEFT_SCENARIO(early_publish_100_fixed, "the updater completes the new config, then publishes it") {
  Config initial, next;
  Atomic<Config*> current{&initial};
  service([&] { read_config(current); },
          [&](int prepared) {
            int limit = 200 + prepared;
            next.limit.store(limit);
            next.limit_check.store(limit * 7);
            current.store(&next);
          });
}

// --- vanishing money: a transfer debits, then credits ---------------------------------

constexpr int kTotal = 1000;

// Auditors read both balances (debited account first, as the transfer writes them) and
// check that no money vanished; money briefly counted twice would be a smaller matter.
WEFT_SCENARIO_MUST_FAIL(vanishing_transfer_100,
                        "98 auditors sum two balances; the transfer debits one and credits the "
                        "other in two steps") {
  Atomic<int> savings{kTotal}, checking{0};
  service(
      [&] {
        int total = savings.load();
        total += checking.load();
        WEFT_ASSERT(total >= kTotal);
      },
      [&](int prepared) {
        int amount = 100 + prepared;
        savings.fetch_add(-amount);
        checking.fetch_add(amount);  // an auditor between the two sees the money gone
      });
}

WEFT_SCENARIO(vanishing_transfer_100_fixed, "the transfer and the audits hold the ledger's lock") {
  Atomic<int> savings{kTotal}, checking{0};
  weft::Mutex ledger;
  service(
      [&] {
        std::lock_guard guard(ledger);
        int total = savings.load();
        total += checking.load();
        WEFT_ASSERT(total == kTotal);
      },
      [&](int prepared) {
        int amount = 100 + prepared;
        std::lock_guard guard(ledger);
        savings.fetch_add(-amount);
        checking.fetch_add(amount);
      });
}

}  // namespace
