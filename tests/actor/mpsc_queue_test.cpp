// weft::sched::MpscQueue: order per producer, nothing lost, with producers on threads.
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
};
}  // namespace

TEST_CASE("MpscQueue: one thread gets back what it pushed, in order", "[mpsc]") {
  weft::sched::MpscQueue q;
  CHECK(q.pop() == nullptr);
  CHECK_FALSE(q.maybe_nonempty());
  std::vector<Item> items(5);
  for (int i = 0; i < 5; ++i) {
    items[i].seq = i;
    q.push(items[i]);
  }
  CHECK(q.maybe_nonempty());
  for (int i = 0; i < 5; ++i) {
    auto* item = static_cast<Item*>(q.pop());
    REQUIRE(item != nullptr);
    CHECK(item->seq == i);
  }
  CHECK(q.pop() == nullptr);
  CHECK_FALSE(q.maybe_nonempty());
  q.push(items[0]);  // a node may be pushed again once popped
  CHECK(q.pop() == &items[0]);
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
    auto* item = static_cast<Item*>(q.pop());
    if (item == nullptr) continue;  // empty, or a producer is mid-push
    in_order = in_order && item->seq == next[item->producer];
    next[item->producer] = item->seq + 1;
    ++received;
  }
  for (auto& t : producers) t.join();
  CHECK(in_order);
  CHECK(q.pop() == nullptr);
  for (int p = 0; p < kProducers; ++p) CHECK(next[p] == kEach);
}
