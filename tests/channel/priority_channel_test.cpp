// PriorityChannel<T, Compare>: highest priority first, FIFO among equals, bounded and
// unbounded, close, select.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "support/counted.hpp"
#include "weft/weft.hpp"

using weft::ChannelStatus;
using weft::PriorityChannel;

// Lets one test make the next large allocation fail (a buffer that cannot grow).
namespace {
thread_local bool fail_next_large_allocation = false;
}  // namespace

void* operator new(std::size_t size) {
  if (fail_next_large_allocation && size >= 1024) {
    fail_next_large_allocation = false;
    throw std::bad_alloc();
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

// A job ordered by priority only; `id` records the order of sending.
struct Job {
  int priority;
  int id;
};
struct ByPriority {
  bool operator()(const Job& a, const Job& b) const { return a.priority < b.priority; }
};

void let_others_block() {
  for (int i = 0; i < 3; ++i) weft::this_fiber::yield();
}

}  // namespace

TEST_CASE("the largest value leaves first by default", "[priority]") {
  weft::run([] {
    PriorityChannel<int> ch;
    CHECK(ch.capacity() == weft::kUnbounded);
    for (int v : {3, 9, 1, 7, 5}) REQUIRE(ch.send(v) == ChannelStatus::ok);
    std::vector<int> order;
    while (auto r = ch.try_recv()) order.push_back(*r);
    CHECK(order == std::vector<int>{9, 7, 5, 3, 1});
  });
}

TEST_CASE("equal priorities leave in the order they were sent", "[priority]") {
  weft::run([] {
    PriorityChannel<Job, ByPriority> ch;
    int id = 0;
    for (int p : {1, 2, 1, 2, 1, 0, 2}) REQUIRE(ch.send(Job{p, id++}) == ChannelStatus::ok);
    std::vector<std::pair<int, int>> order;
    while (auto r = ch.try_recv()) order.emplace_back(r->priority, r->id);
    CHECK(order == std::vector<std::pair<int, int>>{{2, 1}, {2, 3}, {2, 6}, {1, 0}, {1, 2}, {1, 4}, {0, 5}});
  });
}

TEST_CASE("a custom Compare reverses the order", "[priority]") {
  weft::run([] {
    PriorityChannel<std::string, std::greater<std::string>> ch(8);
    for (const char* s : {"pear", "apple", "fig"}) REQUIRE(ch.send(s) == ChannelStatus::ok);
    CHECK(ch.recv().value() == "apple");
    CHECK(ch.recv().value() == "fig");
    CHECK(ch.recv().value() == "pear");
  });
}

TEST_CASE("a bounded priority channel blocks senders when full", "[priority]") {
  weft::run([] {
    PriorityChannel<int> ch(2);
    REQUIRE(ch.send(1) == ChannelStatus::ok);
    REQUIRE(ch.send(2) == ChannelStatus::ok);
    CHECK(ch.try_send(3) == ChannelStatus::full);
    auto sender = weft::spawn([&] { REQUIRE(ch.send(10) == ChannelStatus::ok); });
    let_others_block();
    CHECK(ch.recv().value() == 2);  // frees a slot: the blocked 10 enters the buffer
    sender.join();
    CHECK(ch.recv().value() == 10);
    CHECK(ch.recv().value() == 1);
  });
}

TEST_CASE("capacity 0 is refused", "[priority]") {
  CHECK_THROWS_AS(PriorityChannel<int>(0), weft::UsageError);
}

TEST_CASE("close drains in priority order, then closed", "[priority][close]") {
  weft::run([] {
    PriorityChannel<weft_test::MoveOnly, std::function<bool(const weft_test::MoveOnly&, const weft_test::MoveOnly&)>>
        ch(weft::kUnbounded, [](const auto& a, const auto& b) { return a.value < b.value; });
    for (int v : {2, 4, 3}) REQUIRE(ch.send(weft_test::MoveOnly(v)) == ChannelStatus::ok);
    ch.close();
    weft_test::MoveOnly m(5);
    CHECK(ch.send(std::move(m)) == ChannelStatus::closed);
    CHECK(m.value == 5);
    std::vector<int> order;
    for (weft_test::MoveOnly v : ch) order.push_back(v.value);
    CHECK(order == std::vector<int>{4, 3, 2});
  });
}

TEST_CASE("a blocked receiver gets the value directly; priority channels work in select", "[priority][select]") {
  weft::run([] {
    PriorityChannel<int> urgent, normal;
    int got = 0;
    auto receiver = weft::spawn([&] { got = urgent.recv().value(); });
    let_others_block();
    REQUIRE(urgent.send(1) == ChannelStatus::ok);
    receiver.join();
    CHECK(got == 1);

    REQUIRE(normal.send(5) == ChannelStatus::ok);
    REQUIRE(normal.send(8) == ChannelStatus::ok);
    auto fired = weft::select(weft::on_recv(urgent), weft::on_recv(normal, [&](int v) { got = v; }));
    CHECK(fired.index == 1);
    CHECK(got == 8);
  });
}

TEST_CASE("PriorityChannel: a buffer that cannot grow leaves the value with the caller",
          "[priority_channel][errors]") {
  using Value = std::unique_ptr<std::string>;
  PriorityChannel<Value, bool (*)(const Value&, const Value&)> ch(
      weft::kUnbounded, [](const Value& a, const Value& b) { return *a < *b; });
  // 64 values fill the buffer's storage exactly: the next send has to grow it.
  for (int i = 0; i < 64; ++i) REQUIRE(ch.try_send(std::make_unique<std::string>("x")) == ChannelStatus::ok);
  Value value = std::make_unique<std::string>("kept");
  fail_next_large_allocation = true;
  CHECK_THROWS_AS((void)ch.try_send(std::move(value)), std::bad_alloc);
  fail_next_large_allocation = false;
  REQUIRE(value != nullptr);
  CHECK(*value == "kept");
  CHECK(ch.size() == 64);
  CHECK(ch.try_send(std::move(value)) == ChannelStatus::ok);  // it can grow again
}
