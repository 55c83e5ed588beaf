// weft::sched::MpscQueue: order per producer, nothing lost, each node retired once, with
// producers on threads.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "weft/sched/mpsc_queue.hpp"

namespace {
struct Item : weft::sched::MpscNode {
  int producer = 0;
  int seq = 0;
  bool retired = false;
};

// Pops one item; marks the node it retires.
Item* pop(weft::sched::MpscQueue& q) {
  weft::sched::MpscNode* retired = nullptr;
  auto* item = static_cast<Item*>(q.pop(retired));
  if (retired != nullptr) {
    CHECK_FALSE(static_cast<Item*>(retired)->retired);
    static_cast<Item*>(retired)->retired = true;
  }
  return item;
}
}  // namespace

TEST_CASE("MpscQueue: one thread gets back what it pushed, in order", "[mpsc]") {
  weft::sched::MpscQueue q;
  CHECK(pop(q) == nullptr);
  CHECK_FALSE(q.maybe_nonempty());
  CHECK(q.front_node() == nullptr);
  std::vector<Item> items(5);
  for (int i = 0; i < 5; ++i) {
    items[i].seq = i;
    q.push(items[i]);
  }
  CHECK(q.maybe_nonempty());
  for (int i = 0; i < 5; ++i) {
    Item* item = pop(q);
    REQUIRE(item != nullptr);
    CHECK(item->seq == i);
    CHECK(q.front_node() == item);  // it stays as the front until the next pop
  }
  CHECK(pop(q) == nullptr);
  CHECK_FALSE(q.maybe_nonempty());
  // Every node but the front was retired, once.
  for (int i = 0; i < 4; ++i) CHECK(items[i].retired);
  CHECK_FALSE(items[4].retired);
}

TEST_CASE("MpscQueue: four producer threads, FIFO per producer, nothing lost", "[mpsc]") {
  constexpr int kProducers = 4;
  constexpr int kEach = 50000;
  std::vector<std::unique_ptr<Item[]>> items;
  for (int p = 0; p < kProducers; ++p) items.push_back(std::make_unique<Item[]>(kEach));
  weft::sched::MpscQueue q;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) {
        items[p][i].producer = p;
        items[p][i].seq = i;
        q.push(items[p][i]);
      }
    });
  std::vector<int> next(kProducers, 0);
  int received = 0;
  bool in_order = true;
  while (received < kProducers * kEach) {
    Item* item = pop(q);
    if (item == nullptr) continue;  // empty, or a producer is mid-push
    in_order = in_order && item->seq == next[item->producer];
    next[item->producer] = item->seq + 1;
    ++received;
  }
  for (auto& t : producers) t.join();
  CHECK(in_order);
  CHECK(pop(q) == nullptr);
  for (int p = 0; p < kProducers; ++p) CHECK(next[p] == kEach);
}
