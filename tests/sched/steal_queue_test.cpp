// The M:N run queue (sched/src/mn/steal_queue.hpp): FIFO for its owner, bounded, thieves
// take about half; with an owner and thieves on separate threads every item is taken
// exactly once.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "mn/steal_queue.hpp"

using weft::sched::detail::StealQueue;

namespace {
struct Item {
  int id;
};
}  // namespace

TEST_CASE("the owner pops in FIFO order; a full queue refuses a push", "[steal_queue]") {
  StealQueue<Item, 8> q;
  std::vector<Item> items(10);
  for (int i = 0; i < 10; ++i) items[i].id = i;
  for (int i = 0; i < 8; ++i) CHECK(q.push(&items[i]));
  CHECK_FALSE(q.push(&items[8]));
  CHECK(q.size() == 8);
  for (int i = 0; i < 8; ++i) {
    Item* got = q.pop();
    REQUIRE(got != nullptr);
    CHECK(got->id == i);
  }
  CHECK(q.pop() == nullptr);
  // Around the ring's end: positions wrap, order holds.
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 5; ++i) CHECK(q.push(&items[i]));
    for (int i = 0; i < 5; ++i) CHECK(q.pop()->id == i);
  }
  CHECK(q.empty());
}

TEST_CASE("a thief takes the older 1/thieves, rounded up, into its own queue", "[steal_queue]") {
  StealQueue<Item, 16> victim, thief;
  std::vector<Item> items(7);
  for (int i = 0; i < 7; ++i) {
    items[i].id = i;
    victim.push(&items[i]);
  }
  CHECK(victim.steal_into(thief, 2) == 4);  // 7 - 7/2
  CHECK(victim.size() == 3);
  for (int i = 0; i < 4; ++i) CHECK(thief.pop()->id == i);
  CHECK(victim.pop()->id == 4);
  CHECK(victim.steal_into(thief, 2) == 1);  // 2 left: one moves
  CHECK(victim.steal_into(thief, 2) == 1);  // the last one moves too
  CHECK(victim.steal_into(thief, 2) == 0);  // nothing left
  CHECK(thief.pop()->id == 5);
  CHECK(thief.pop()->id == 6);
  // One thief takes all; three take a third each, rounded up; none counts as one.
  StealQueue<Item, 16> shared, alone, one_of_three, none;
  for (int i = 0; i < 7; ++i) shared.push(&items[i]);
  CHECK(shared.steal_into(one_of_three, 3) == 3);  // ceil(7 / 3)
  CHECK(one_of_three.pop()->id == 0);
  CHECK(shared.steal_into(alone, 1) == 4);
  CHECK(alone.pop()->id == 3);
  CHECK(shared.empty());
  shared.push(&items[0]);
  CHECK(shared.steal_into(none, 0) == 1);
  // No room in the thief: nothing moves.
  StealQueue<Item, 4> small_victim, full_thief;
  for (int i = 0; i < 4; ++i) {
    small_victim.push(&items[i]);
    full_thief.push(&items[i]);
  }
  CHECK(small_victim.steal_into(full_thief, 2) == 0);
  CHECK(small_victim.size() == 4);
}

TEST_CASE("an owner and two thieves on their own threads take every item exactly once", "[steal_queue]") {
  constexpr int kItems = 200000;
  std::vector<Item> items(kItems);
  std::vector<std::atomic<int>> taken(kItems);
  for (int i = 0; i < kItems; ++i) items[i].id = i;
  StealQueue<Item, 256> owner_queue;
  std::atomic<bool> done{false};
  std::atomic<int> stolen{0};
  std::atomic<int> thieves_ready{0};
  auto take = [&](Item* item) { taken[item->id].fetch_add(1, std::memory_order_relaxed); };

  auto thief = [&] {
    StealQueue<Item, 256> mine;
    thieves_ready.fetch_add(1);
    while (!done.load(std::memory_order_acquire) || !owner_queue.empty()) {
      const std::size_t got = owner_queue.steal_into(mine, 2);
      stolen.fetch_add(static_cast<int>(got), std::memory_order_relaxed);
      if (got == 0) std::this_thread::yield();
      while (Item* item = mine.pop()) take(item);
    }
  };
  std::thread a(thief), b(thief);
  while (thieves_ready.load() < 2) std::this_thread::yield();  // steal from the start
  int next = 0;
  for (int round = 0; next < kItems; ++round) {
    // Push a burst (as a worker does when it spawns), run one itself; now and then let
    // the thieves have the CPU, as a worker that blocks does.
    for (int burst = 0; burst < 64 && next < kItems; ++burst) {
      if (!owner_queue.push(&items[next])) break;
      ++next;
    }
    if (Item* item = owner_queue.pop()) take(item);
    if (round % 256 == 0) std::this_thread::yield();
  }
  while (Item* item = owner_queue.pop()) take(item);
  done.store(true, std::memory_order_release);
  a.join();
  b.join();
  int wrong = 0;
  for (auto& t : taken) wrong += t.load() != 1 ? 1 : 0;
  CHECK(wrong == 0);
  INFO("stolen " << stolen.load());
  CHECK(stolen.load() > 0);  // the race was run (typically most items move)
}
