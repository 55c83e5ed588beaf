// this_fiber: identity, yield fairness, launch modes, cancellation requests.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <weft/weft.hpp>
#include "support/workers.hpp"

TEST_CASE("this_fiber::id and name outside a fiber", "[this_fiber]") {
  CHECK(weft::this_fiber::id() == 0);
  CHECK(weft::this_fiber::name().empty());
  CHECK_FALSE(weft::this_fiber::cancel_requested());
  weft::this_fiber::yield();  // a no-op outside a fiber
}

TEST_CASE("this_fiber::id and name inside fibers", "[this_fiber]") {
  weft::run([] {
    CHECK(weft::this_fiber::id() != 0);
    CHECK(weft::this_fiber::name() == "main");
    const weft::FiberId parent = weft::this_fiber::id();
    auto h = weft::spawn(
        [parent] {
          CHECK(weft::this_fiber::id() != parent);
          return weft::this_fiber::name();
        },
        {.name = "child"});
    CHECK(h.join() == "child");
    auto unnamed = weft::spawn([] { return weft::this_fiber::name(); });
    CHECK(unnamed.join().empty());
  });
}

TEST_CASE("yield gives every ready fiber a turn, in FIFO order", "[this_fiber][yield]") {
  std::string order;
  weft::run([&] {
    std::vector<weft::JoinHandle<void>> handles;
    for (char name : {'A', 'B', 'C'}) {
      handles.push_back(weft::spawn([&order, name] {
        for (int round = 0; round < 4; ++round) {
          order += name;
          weft::this_fiber::yield();
        }
      }));
    }
    for (auto& h : handles) h.join();
  }, weft_test::one_worker());
  CHECK(order == "ABCABCABCABC");
}

TEST_CASE("yield with no other ready fiber returns at once", "[this_fiber][yield]") {
  int rounds = weft::run([] {
    int n = 0;
    for (; n < 1000; ++n) weft::this_fiber::yield();
    return n;
  });
  CHECK(rounds == 1000);
}

TEST_CASE("Launch::Post queues the child; the parent keeps running", "[this_fiber][launch]") {
  std::vector<std::string> events;
  weft::run([&] {
    auto h = weft::spawn([&] { events.push_back("child"); }, {.name = "posted", .launch = weft::Launch::Post});
    events.push_back("parent");
    h.join();
  });
  CHECK(events == std::vector<std::string>{"parent", "child"});
}

TEST_CASE("Launch::Dispatch runs the child before the parent continues",
          "[this_fiber][launch]") {
  std::vector<std::string> events;
  weft::run([&] {
    auto h = weft::spawn(
        [&] {
          events.push_back("child starts");
          weft::this_fiber::yield();  // the parent was queued: it runs now
          events.push_back("child ends");
        },
        {.name = "dispatched", .launch = weft::Launch::Dispatch});
    events.push_back("parent runs on");
    h.join();
  });
  CHECK(events == std::vector<std::string>{"child starts", "parent runs on", "child ends"});
}

TEST_CASE("cancel_requested reports a pending cancel to a CPU-bound fiber",
          "[this_fiber][cancel]") {
  weft::run([] {
    auto h = weft::spawn([] {
      int spins = 0;
      while (!weft::this_fiber::cancel_requested()) {
        ++spins;
        weft::this_fiber::yield();
      }
      return spins;
    });
    weft::this_fiber::yield();  // let it spin a little
    h.cancel();
    CHECK(h.join() >= 1);
  });
}
