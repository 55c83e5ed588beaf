// weft::select: exactly one case fires; recv, send, deadline and default cases; closed
// channels; cancellation; fairness; blocked selects woken by sends, receives and close.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/counted.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft::after;
using weft::Channel;
using weft::ChannelStatus;
using weft::on_recv;
using weft::on_send;
using weft::otherwise;
using weft::RecvResult;
using weft_test::Counted;
using weft_test::MoveOnly;

namespace {

void let_others_block() {
  for (int i = 0; i < 3; ++i) weft::this_fiber::yield();
}

}  // namespace

TEST_CASE("select receives from the one ready channel", "[select]") {
  weft::run([] {
    Channel<int> a(1), b(1);
    REQUIRE(b.send(5) == ChannelStatus::ok);
    int got = 0;
    auto fired = weft::select(on_recv(a, [&](int v) { got = -v; }),
                              on_recv(b, [&](int v) { got = v; }));
    CHECK(fired.index == 1);
    CHECK(fired.status == ChannelStatus::ok);
    CHECK(got == 5);
    CHECK(b.size() == 0);
    CHECK(a.size() == 0);
  });
}

TEST_CASE("select without handlers: the case object holds the result", "[select]") {
  weft::run([] {
    Channel<std::string> a(1);
    REQUIRE(a.send("hi") == ChannelStatus::ok);
    auto ca = on_recv(a);
    auto fired = weft::select(ca, otherwise());
    CHECK(fired.index == 0);
    CHECK(ca.result().value() == "hi");
    fired = weft::select(ca, otherwise());  // a case object may be reused
    CHECK(fired.index == 1);
    CHECK(fired.status == ChannelStatus::empty);
  });
}

TEST_CASE("otherwise fires only when no other case is ready", "[select]") {
  weft::run([] {
    Channel<int> a;
    bool fallback = false;
    auto fired = weft::select(on_recv(a, [](int) { FAIL("nothing to receive"); }),
                              otherwise([&] { fallback = true; }));
    CHECK(fired.index == 1);
    CHECK(fallback);
    Channel<int> b(1);
    REQUIRE(b.send(1) == ChannelStatus::ok);
    fallback = false;
    fired = weft::select(otherwise([&] { fallback = true; }), on_recv(b));
    CHECK(fired.index == 1);
    CHECK_FALSE(fallback);
    CHECK_THROWS_AS(weft::select(on_recv(a), otherwise(), otherwise()), weft::UsageError);
  });
}

TEST_CASE("a send case hands the value to a waiting receiver", "[select]") {
  Counted::reset();
  weft::run([] {
    Channel<Counted> ch;
    Channel<int> never;
    int got = 0;
    auto receiver = weft::spawn([&] { got = ch.recv()->value; });
    let_others_block();
    bool sent = false;
    auto fired = weft::select(on_recv(never), on_send(ch, Counted(8), [&] { sent = true; }));
    CHECK(fired.index == 1);
    CHECK(fired.status == ChannelStatus::ok);
    CHECK(sent);
    receiver.join();
    CHECK(got == 8);
  });
  CHECK(Counted::copies == 0);
}

TEST_CASE("an lvalue in a send case is moved only if that case fires", "[select]") {
  weft::run([] {
    Channel<MoveOnly> full(1), ready(1);
    REQUIRE(full.send(MoveOnly(0)) == ChannelStatus::ok);
    MoveOnly kept(1), sent(2);
    auto fired = weft::select(on_send(full, kept), on_send(ready, sent));
    CHECK(fired.index == 1);
    CHECK(kept.value == 1);
    CHECK(sent.value == -1);
    CHECK(ready.recv()->value == 2);
    CHECK(full.recv()->value == 0);
  });
}

TEST_CASE("a blocked select is woken by a send, a receive, or close", "[select]") {
  weft::run([] {
    Channel<int> in, out;
    std::vector<std::size_t> fired;
    std::vector<ChannelStatus> statuses;
    auto selector = weft::spawn([&] {
      for (int round = 0; round < 3; ++round) {
        int value = 77;
        auto s = weft::select(on_recv(in), on_send(out, value));
        fired.push_back(s.index);
        statuses.push_back(s.status);
      }
    });
    let_others_block();
    REQUIRE(in.send(1) == ChannelStatus::ok);  // wakes the recv case
    let_others_block();
    CHECK(out.recv().value() == 77);  // wakes the send case
    let_others_block();
    in.close();  // wakes the recv case with closed
    selector.join();
    CHECK(fired == std::vector<std::size_t>{0, 1, 0});
    CHECK(statuses == std::vector<ChannelStatus>{ChannelStatus::ok, ChannelStatus::ok,
                                                 ChannelStatus::closed});
  });
}

TEST_CASE("closed channels fire their cases with closed", "[select][close]") {
  weft::run([] {
    Channel<int> a(2), b;
    REQUIRE(a.send(3) == ChannelStatus::ok);
    a.close();
    // A closed channel still hands out what is buffered.
    int got = 0;
    CHECK(weft::select(on_recv(a, [&](int v) { got = v; }), on_recv(b)).index == 0);
    CHECK(got == 3);
    // Drained: the case fires with closed; a value handler is not called, a result one is.
    bool called = false;
    auto fired = weft::select(on_recv(b), on_recv(a, [&](int) { called = true; }));
    CHECK(fired.index == 1);
    CHECK(fired.status == ChannelStatus::closed);
    CHECK_FALSE(called);
    ChannelStatus seen = ChannelStatus::ok;
    fired = weft::select(on_recv(a, [&](RecvResult<int> r) { seen = r.status(); }));
    CHECK(seen == ChannelStatus::closed);
    // A send case on a closed channel fires with closed and keeps the value.
    Channel<MoveOnly> c(1);
    c.close();
    MoveOnly m(4);
    ChannelStatus send_status = ChannelStatus::ok;
    fired = weft::select(on_send(c, m, [&](ChannelStatus s) { send_status = s; }), on_recv(b));
    CHECK(fired.index == 0);
    CHECK(fired.status == ChannelStatus::closed);
    CHECK(send_status == ChannelStatus::closed);
    CHECK(m.value == 4);
  });
}

TEST_CASE("the after case fires when nothing else is ready", "[select][timeout]") {
  weft::run([] {
    Channel<int> a, b;
    bool timed_out = false;
    auto start = weft::now();
    auto fired = weft::select(on_recv(a), on_recv(b), after(20ms, [&] { timed_out = true; }));
    auto waited = weft::now() - start;
    CHECK(fired.index == 2);
    CHECK(fired.status == ChannelStatus::timeout);
    CHECK(timed_out);
    CHECK(waited >= 20ms);
    CHECK(waited < 2s);
    // The earliest of several deadlines fires; one in the past fires at once.
    fired = weft::select(on_recv(a), after(1h), weft::until(weft::now() - 1s));
    CHECK(fired.index == 2);
    // Only a deadline: select sleeps.
    start = weft::now();
    CHECK(weft::select(after(10ms)).status == ChannelStatus::timeout);
    CHECK(weft::now() - start >= 10ms);
    // Neither queue keeps a node of the selects that timed out.
    CHECK(a.try_send(1) == ChannelStatus::full);
    CHECK(b.try_send(1) == ChannelStatus::full);
  });
}

TEST_CASE("a channel case beats a pending deadline", "[select][timeout]") {
  weft::run([] {
    Channel<int> ch;
    auto sender = weft::spawn([&] { REQUIRE(ch.send(9) == ChannelStatus::ok); });
    auto fired = weft::select(after(10s), on_recv(ch));
    CHECK(fired.index == 1);
    CHECK(fired.status == ChannelStatus::ok);
    sender.join();
  });
}

TEST_CASE("cancelling a blocked select throws Cancelled and sends nothing", "[select][cancel]") {
  weft::run([] {
    Channel<int> a;
    Channel<MoveOnly> b;
    int kept = 0;
    auto selector = weft::spawn([&] {
      MoveOnly m(6);
      try {
        (void)weft::select(on_recv(a), on_send(b, m), after(1h));
      } catch (const weft::Cancelled&) {
        kept = m.value;
        throw;
      }
    });
    let_others_block();
    selector.cancel();
    CHECK_THROWS_AS(selector.join(), weft::Cancelled);
    CHECK(kept == 6);
    // Its nodes are gone from both channels.
    CHECK(a.try_send(1) == ChannelStatus::full);
    CHECK(b.try_recv().status() == ChannelStatus::empty);
  });
}

TEST_CASE("select is fair between channels that are always ready", "[select][fairness]") {
  weft::run([] {
    Channel<int> a(1), b(1);
    std::array<int, 2> count{};
    constexpr int kRounds = 4000;
    REQUIRE(a.send(0) == ChannelStatus::ok);
    REQUIRE(b.send(1) == ChannelStatus::ok);
    for (int i = 0; i < kRounds; ++i) {
      auto fired = weft::select(on_recv(a, [&](int) { REQUIRE(a.send(0) == ChannelStatus::ok); }),
                                on_recv(b, [&](int) { REQUIRE(b.send(1) == ChannelStatus::ok); }));
      ++count[fired.index];
    }
    // Expected 2000 each; a fair coin leaves [1700, 2300] with probability 1 - 1e-20.
    CHECK(count[0] > kRounds * 0.425);
    CHECK(count[1] > kRounds * 0.425);
    CHECK(count[0] + count[1] == kRounds);
  });
}

TEST_CASE("three ready cases are each chosen about a third of the time", "[select][fairness]") {
  weft::run([] {
    Channel<int> a(1), b(1), c(1);
    std::array<int, 4> count{};
    for (auto* ch : {&a, &b, &c}) REQUIRE(ch->send(0) == ChannelStatus::ok);
    constexpr int kRounds = 6000;
    for (int i = 0; i < kRounds; ++i) {
      // The deadline case sits first: it must not bias the start among channel cases.
      auto fired = weft::select(after(1h), on_recv(a), on_recv(b), on_recv(c));
      ++count[fired.index];
      Channel<int>* chosen[] = {nullptr, &a, &b, &c};
      REQUIRE(chosen[fired.index]->send(0) == ChannelStatus::ok);
    }
    CHECK(count[0] == 0);
    for (int i = 1; i <= 3; ++i) {
      CHECK(count[i] > 1700);
      CHECK(count[i] < 2300);
    }
  });
}

TEST_CASE("select to select: two fibers meet over a rendezvous channel", "[select]") {
  weft::run([] {
    Channel<int> ch, other_a, other_b;
    int got = 0;
    auto receiver = weft::spawn([&] {
      auto fired = weft::select(on_recv(other_a), on_recv(ch, [&](int v) { got = v; }));
      CHECK(fired.index == 1);
    });
    let_others_block();
    auto fired = weft::select(on_recv(other_b), on_send(ch, 12));
    CHECK(fired.index == 1);
    receiver.join();
    CHECK(got == 12);
    // And the other way round: the sender's select blocks first.
    auto sender = weft::spawn([&] {
      CHECK(weft::select(on_send(ch, 13), on_recv(other_a)).index == 0);
    });
    let_others_block();
    CHECK(weft::select(on_recv(other_b), on_recv(ch)).index == 1);
    sender.join();
  });
}

TEST_CASE("a select never matches its own send and recv on one channel", "[select]") {
  weft::run([] {
    Channel<int> ch;
    auto fired = weft::select(on_send(ch, 1), on_recv(ch), otherwise());
    CHECK(fired.index == 2);
    // Blocked on both: a receiver takes the send case, not the select itself.
    std::size_t index = 99;
    auto selector = weft::spawn([&] { index = weft::select(on_send(ch, 1), on_recv(ch)).index; });
    let_others_block();
    CHECK(ch.recv().value() == 1);
    selector.join();
    CHECK(index == 0);
  });
}

TEST_CASE("selects with several cases on the same channel", "[select]") {
  weft::run([] {
    Channel<int> ch;
    auto selector = weft::spawn([&] {
      auto fired = weft::select(on_recv(ch), on_recv(ch), on_recv(ch));
      CHECK(fired.status == ChannelStatus::ok);
    });
    let_others_block();
    REQUIRE(ch.send(1) == ChannelStatus::ok);
    selector.join();
    CHECK(ch.try_send(2) == ChannelStatus::full);  // no stale node left
  });
}

TEST_CASE("select over a run-time list of cases", "[select]") {
  weft::run([] {
    std::vector<std::unique_ptr<Channel<int>>> channels;
    for (int i = 0; i < 5; ++i) channels.push_back(std::make_unique<Channel<int>>(1));
    REQUIRE(channels[3]->send(30) == ChannelStatus::ok);
    std::vector<std::unique_ptr<weft::RecvCase<int, weft::detail::RingBuffer<int>>>> cases;
    std::vector<weft::SelectCase*> list;
    for (auto& ch : channels) {
      cases.push_back(std::make_unique<weft::RecvCase<int, weft::detail::RingBuffer<int>>>(
          *ch, weft::detail::NoHandler{}));
      list.push_back(cases.back().get());
    }
    auto fired = weft::select(std::span<weft::SelectCase* const>(list));
    CHECK(fired.index == 3);
    CHECK(cases[3]->result().value() == 30);
  });
}

TEST_CASE("a producer/consumer pipeline through select on one thread", "[select]") {
  weft::run([] {
    Channel<int> numbers(4), done;
    constexpr int kCount = 2000;
    auto producer = weft::spawn([&] {
      for (int i = 1; i <= kCount; ++i) REQUIRE(numbers.send(i) == ChannelStatus::ok);
      done.close();
    });
    long sum = 0;
    bool finished = false;
    while (!finished) {
      weft::select(on_recv(numbers, [&](int v) { sum += v; }),
                   on_recv(done, [&](RecvResult<int> r) { finished = !r.ok(); }));
    }
    while (auto r = numbers.try_recv()) sum += *r;  // what was still buffered at close
    producer.join();
    CHECK(sum == long{kCount} * (kCount + 1) / 2);
  });
}

TEST_CASE("select outside a fiber works when it need not block", "[select][threads]") {
  Channel<int> ch(1);
  REQUIRE(ch.try_send(1) == ChannelStatus::ok);
  CHECK(weft::select(on_recv(ch)).index == 0);
  CHECK(weft::select(on_recv(ch), otherwise()).index == 1);
  CHECK_THROWS_AS(weft::select(on_recv(ch)), weft::UsageError);
  CHECK(ch.try_send(2) == ChannelStatus::ok);  // the failed select left no node behind
}

TEST_CASE("select: the fired case's channel may be destroyed as soon as its sender returns",
          "[select]") {
  weft::run([] {
    auto ch = std::make_unique<weft::Channel<int>>(0);
    weft::Channel<int>* raw = ch.get();
    int got = -1;
    auto receiver = weft::spawn([&] {
      weft::select(weft::on_recv(*raw, [&](int v) { got = v; }), weft::after(std::chrono::seconds(10)));
    });
    for (int i = 0; i < 3; ++i) weft::this_fiber::yield();  // the select blocks
    REQUIRE(ch->send(42) == weft::ChannelStatus::ok);      // returns once it took the value
    ch.reset();  // the select has not resumed yet (use after free here shows under ASan)
    receiver.join();
    CHECK(got == 42);
  });
}
