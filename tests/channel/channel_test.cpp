// Channel<T>: contract of send/recv/try/timed operations, close, cancellation, waiter
// order, zero copies, range-for, use from plain threads.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/counted.hpp"
#include "weft/weft.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;
using weft::Channel;
using weft::ChannelStatus;
using weft_test::Counted;
using weft_test::MoveOnly;

namespace {

// On one thread with the FIFO policy, every fiber spawned before runs until it blocks.
void let_others_block() {
  for (int i = 0; i < 3; ++i) weft::this_fiber::yield();
}

weft::RuntimeOptions no_deadlock_detection() {
  weft::RuntimeOptions options;
  options.detect_deadlock = false;  // a fiber here waits for a plain thread
  return options;
}

}  // namespace

TEST_CASE("status names", "[channel]") {
  CHECK(std::string(weft::to_string(ChannelStatus::ok)) == "ok");
  CHECK(std::string(weft::to_string(ChannelStatus::empty)) == "empty");
  CHECK(std::string(weft::to_string(ChannelStatus::full)) == "full");
  CHECK(std::string(weft::to_string(ChannelStatus::closed)) == "closed");
  CHECK(std::string(weft::to_string(ChannelStatus::timeout)) == "timeout");
}

TEST_CASE("bounded channel buffers up to its capacity, FIFO", "[channel]") {
  weft::run([] {
    Channel<int> ch(3);
    CHECK(ch.capacity() == 3);
    CHECK(ch.try_send(1) == ChannelStatus::ok);
    CHECK(ch.try_send(2) == ChannelStatus::ok);
    CHECK(ch.send(3) == ChannelStatus::ok);
    CHECK(ch.size() == 3);
    CHECK(ch.try_send(4) == ChannelStatus::full);
    auto a = ch.recv();
    REQUIRE(a.ok());
    CHECK(*a == 1);
    CHECK(ch.try_recv().value() == 2);
    CHECK(ch.recv().value() == 3);
    auto none = ch.try_recv();
    CHECK(none.status() == ChannelStatus::empty);
    CHECK_FALSE(none);
    CHECK_THROWS_AS(none.value(), weft::UsageError);
  });
}

TEST_CASE("unbounded channel never blocks a sender", "[channel]") {
  weft::run([] {
    Channel<int> ch(weft::kUnbounded);
    for (int i = 0; i < 10000; ++i) REQUIRE(ch.send(i) == ChannelStatus::ok);
    CHECK(ch.size() == 10000);
    for (int i = 0; i < 10000; ++i) REQUIRE(ch.recv().value() == i);
  });
}

TEST_CASE("rendezvous channel: try_send needs a waiting receiver", "[channel]") {
  weft::run([] {
    Channel<int> ch;
    CHECK(ch.capacity() == 0);
    CHECK(ch.try_send(1) == ChannelStatus::full);
    CHECK(ch.try_recv().status() == ChannelStatus::empty);
    int got = 0;
    auto receiver = weft::spawn([&] { got = ch.recv().value(); });
    let_others_block();
    CHECK(ch.try_send(7) == ChannelStatus::ok);
    receiver.join();
    CHECK(got == 7);
    CHECK(ch.size() == 0);
  });
}

TEST_CASE("rendezvous hand-over in both directions moves and never copies", "[channel]") {
  Counted::reset();
  weft::run([] {
    Channel<Counted> ch;
    SECTION("sender blocks first") {
      auto sender = weft::spawn([&] { CHECK(ch.send(Counted(5)) == ChannelStatus::ok); });
      let_others_block();
      auto r = ch.recv();
      REQUIRE(r.ok());
      CHECK(r->value == 5);
      sender.join();
    }
    SECTION("receiver blocks first") {
      int got = 0;
      auto receiver = weft::spawn([&] { got = ch.recv()->value; });
      let_others_block();
      CHECK(ch.send(Counted(6)) == ChannelStatus::ok);
      receiver.join();
      CHECK(got == 6);
    }
  });
  CHECK(Counted::copies == 0);
}

TEST_CASE("move-only payloads through every kind of channel, zero copies", "[channel]") {
  Counted::reset();
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{4}, weft::kUnbounded);
  weft::run([capacity] {
    Channel<MoveOnly> moves(capacity);
    Channel<Counted> counted(capacity);
    auto producer = weft::spawn([&] {
      for (int i = 0; i < 20; ++i) {
        MoveOnly m(i);
        REQUIRE(moves.send(std::move(m)) == ChannelStatus::ok);
        CHECK(m.value == -1);  // moved from
      }
      moves.close();
    });
    auto counted_producer = weft::spawn([&] {
      for (int i = 0; i < 20; ++i) REQUIRE(counted.send(Counted(i)) == ChannelStatus::ok);
      counted.close();
    });
    int expect = 0;
    for (MoveOnly m : moves) CHECK(m.value == expect++);
    CHECK(expect == 20);
    expect = 0;
    for (auto&& c : counted) CHECK(c.value == expect++);
    CHECK(expect == 20);
    producer.join();
    counted_producer.join();
  });
  CHECK(Counted::copies == 0);
  CHECK(Counted::moves > 0);
}

TEST_CASE("send of a const lvalue copies exactly once", "[channel]") {
  Counted::reset();
  weft::run([] {
    Channel<Counted> ch(1);
    const Counted c(3);
    CHECK(ch.send(c) == ChannelStatus::ok);
    CHECK(c.value == 3);
    CHECK(ch.recv()->value == 3);
  });
  CHECK(Counted::copies == 1);
}

TEST_CASE("close: receivers drain what is buffered, then see closed", "[channel][close]") {
  weft::run([] {
    Channel<int> ch(4);
    REQUIRE(ch.send(1) == ChannelStatus::ok);
    REQUIRE(ch.send(2) == ChannelStatus::ok);
    CHECK_FALSE(ch.closed());
    CHECK(ch.close());
    CHECK_FALSE(ch.close());  // already closed
    CHECK(ch.closed());
    CHECK(ch.recv().value() == 1);
    CHECK(ch.try_recv().value() == 2);
    CHECK(ch.recv().status() == ChannelStatus::closed);
    CHECK(ch.try_recv().status() == ChannelStatus::closed);
    CHECK(ch.recv_for(1h).status() == ChannelStatus::closed);
  });
}

TEST_CASE("send on a closed channel returns closed and keeps the value", "[channel][close]") {
  weft::run([] {
    Channel<MoveOnly> ch(weft::kUnbounded);
    ch.close();
    MoveOnly m(9);
    CHECK(ch.send(std::move(m)) == ChannelStatus::closed);
    CHECK(m.value == 9);
    CHECK(ch.try_send(std::move(m)) == ChannelStatus::closed);
    CHECK(ch.send_for(std::move(m), 1h) == ChannelStatus::closed);
    CHECK(m.value == 9);
    CHECK(ch.size() == 0);
  });
}

TEST_CASE("close wakes every blocked receiver with closed", "[channel][close]") {
  weft::run([] {
    Channel<int> ch;
    std::vector<ChannelStatus> seen;
    std::vector<weft::JoinHandle<void>> receivers;
    for (int i = 0; i < 3; ++i)
      receivers.push_back(weft::spawn([&] { seen.push_back(ch.recv().status()); }));
    let_others_block();
    CHECK(seen.empty());
    ch.close();
    for (auto& r : receivers) r.join();
    CHECK(seen == std::vector<ChannelStatus>(3, ChannelStatus::closed));
  }, weft_test::one_worker());
}

TEST_CASE("close wakes blocked senders with closed; they keep their values", "[channel][close]") {
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{1});
  weft::run([capacity] {
    Channel<MoveOnly> ch(capacity);
    if (capacity == 1) REQUIRE(ch.send(MoveOnly(100)) == ChannelStatus::ok);
    std::vector<int> kept;
    std::vector<weft::JoinHandle<void>> senders;
    for (int i = 0; i < 3; ++i)
      senders.push_back(weft::spawn([&, i] {
        MoveOnly m(i);
        CHECK(ch.send(std::move(m)) == ChannelStatus::closed);
        kept.push_back(m.value);
      }));
    let_others_block();
    ch.close();
    for (auto& s : senders) s.join();
    CHECK(kept == std::vector<int>{0, 1, 2});
    if (capacity == 1) CHECK(ch.recv()->value == 100);  // the buffered value survives
    CHECK(ch.recv().status() == ChannelStatus::closed);
  }, weft_test::one_worker());
}

TEST_CASE("waiting receivers are served first come, first served", "[channel][order]") {
  weft::run([] {
    Channel<int> ch;
    std::vector<int> got(4, -1);
    std::vector<weft::JoinHandle<void>> receivers;
    for (int i = 0; i < 4; ++i) {
      receivers.push_back(weft::spawn([&, i] { got[i] = ch.recv().value(); }));
      let_others_block();  // receiver i queues before receiver i + 1
    }
    for (int v = 0; v < 4; ++v) REQUIRE(ch.send(v * 10) == ChannelStatus::ok);
    for (auto& r : receivers) r.join();
    CHECK(got == std::vector<int>{0, 10, 20, 30});
  });
}

TEST_CASE("waiting senders are served first come, first served", "[channel][order]") {
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{2});
  weft::run([capacity] {
    Channel<int> ch(capacity);
    for (std::size_t i = 0; i < capacity; ++i) REQUIRE(ch.send(-1) == ChannelStatus::ok);
    std::vector<weft::JoinHandle<void>> senders;
    for (int i = 0; i < 4; ++i) {
      senders.push_back(weft::spawn([&, i] { REQUIRE(ch.send(i) == ChannelStatus::ok); }));
      let_others_block();
    }
    for (std::size_t i = 0; i < capacity; ++i) CHECK(ch.recv().value() == -1);
    for (int i = 0; i < 4; ++i) CHECK(ch.recv().value() == i);
    for (auto& s : senders) s.join();
  });
}

TEST_CASE("timed operations time out on an idle channel", "[channel][timeout]") {
  weft::run([] {
    Channel<MoveOnly> ch(1);
    auto start = weft::now();
    auto r = ch.recv_for(20ms);
    auto waited = weft::now() - start;
    CHECK(r.status() == ChannelStatus::timeout);
    CHECK(waited >= 20ms);
    CHECK(waited < 2s);

    REQUIRE(ch.send(MoveOnly(1)) == ChannelStatus::ok);
    MoveOnly m(2);
    start = weft::now();
    CHECK(ch.send_for(std::move(m), 20ms) == ChannelStatus::timeout);
    waited = weft::now() - start;
    CHECK(m.value == 2);  // not lost
    CHECK(waited >= 20ms);
    CHECK(waited < 2s);

    // A deadline in the past still completes an operation that is ready now.
    CHECK(ch.recv_until(weft::now() - 1s)->value == 1);
    CHECK(ch.recv_until(weft::now() - 1s).status() == ChannelStatus::timeout);
    CHECK(ch.send_until(std::move(m), std::chrono::steady_clock::now() + 1h) == ChannelStatus::ok);
    CHECK(ch.recv_for(0ms)->value == 2);
    // A huge timeout is no deadline.
    CHECK(ch.send_for(MoveOnly(3), std::chrono::hours::max()) == ChannelStatus::ok);
    CHECK(ch.recv_for(std::chrono::hours::max())->value == 3);
  });
}

TEST_CASE("a timed recv completes when a value arrives before the deadline", "[channel][timeout]") {
  weft::run([] {
    Channel<int> ch;
    auto sender = weft::spawn([&] { REQUIRE(ch.send(4) == ChannelStatus::ok); });
    auto r = ch.recv_for(10s);
    CHECK(r.value() == 4);
    sender.join();
    auto receiver = weft::spawn([&] { CHECK(ch.recv().value() == 5); });
    CHECK(ch.send_for(5, 10s) == ChannelStatus::ok);
    receiver.join();
  });
}

namespace {
// Values of up to 8 bytes wait in the blocked fiber's hand-off slot (beside its wait
// word), larger ones on its stack: the same outcomes either way.
struct Small8 {
  std::int32_t a, b;
  bool operator==(const Small8&) const = default;
};
struct Big16 {
  std::int64_t a, b;
  bool operator==(const Big16&) const = default;
};
template <class V>
V value_of(int n) {
  if constexpr (std::is_same_v<V, int>)
    return n;
  else
    return V{n, -n};
}
}  // namespace

TEMPLATE_TEST_CASE("small and larger values: every outcome of a blocked send and recv", "[channel]", int, Small8,
                   Big16) {
  using V = TestType;
  weft::run([] {
    Channel<V> ch;  // rendezvous: every send and recv here blocks until its partner comes
    auto receiver = weft::spawn([&] { return ch.recv().value(); });
    CHECK(ch.send(value_of<V>(7)) == ChannelStatus::ok);
    CHECK(receiver.join() == value_of<V>(7));

    auto sender = weft::spawn([&] { return ch.send(value_of<V>(8)); });
    CHECK(ch.recv().value() == value_of<V>(8));
    CHECK(sender.join() == ChannelStatus::ok);

    V kept = value_of<V>(9);
    CHECK(ch.send_for(std::move(kept), 5ms) == ChannelStatus::timeout);
    CHECK(kept == value_of<V>(9));
    CHECK(ch.recv_for(5ms).status() == ChannelStatus::timeout);

    auto closer = weft::spawn([&] {
      weft::this_fiber::sleep_for(5ms);
      ch.close();
    });
    V also_kept = value_of<V>(10);
    CHECK(ch.send(std::move(also_kept)) == ChannelStatus::closed);
    CHECK(also_kept == value_of<V>(10));
    closer.join();

    Channel<V> other;
    auto closed_receiver = weft::spawn([&] { return ch.recv().status(); });
    auto other_receiver = weft::spawn([&] { return other.recv().status(); });
    weft::this_fiber::sleep_for(5ms);
    other.close();
    CHECK(closed_receiver.join() == ChannelStatus::closed);
    CHECK(other_receiver.join() == ChannelStatus::closed);
  });
}

TEST_CASE("cancelling a blocked receiver throws Cancelled", "[channel][cancel]") {
  weft::run([] {
    Channel<int> ch;
    bool cancelled = false;
    auto receiver = weft::spawn([&] {
      try {
        (void)ch.recv();
      } catch (const weft::Cancelled&) {
        cancelled = true;
        throw;
      }
    });
    let_others_block();
    receiver.cancel();
    CHECK_THROWS_AS(receiver.join(), weft::Cancelled);
    CHECK(cancelled);
    // The receiver's node is gone: nobody waits, so a send finds no partner.
    CHECK(ch.try_send(1) == ChannelStatus::full);
  });
}

TEST_CASE("cancelling a blocked sender throws Cancelled and the value stays with it", "[channel][cancel]") {
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{1});
  weft::run([capacity] {
    Channel<MoveOnly> ch(capacity);
    if (capacity == 1) REQUIRE(ch.send(MoveOnly(0)) == ChannelStatus::ok);
    int kept = 0;
    auto sender = weft::spawn([&] {
      MoveOnly m(42);
      try {
        (void)ch.send(std::move(m));
      } catch (const weft::Cancelled&) {
        kept = m.value;
        throw;
      }
    });
    let_others_block();
    sender.cancel();
    CHECK_THROWS_AS(sender.join(), weft::Cancelled);
    CHECK(kept == 42);
    if (capacity == 1) CHECK(ch.try_recv()->value == 0);
    CHECK(ch.try_recv().status() == ChannelStatus::empty);  // 42 never arrived
  });
}

TEST_CASE("a cancel requested before the call is delivered by a blocking wait only", "[channel][cancel]") {
  weft::run([] {
    Channel<int> ch(1);
    auto f = weft::spawn([&] {
      weft::this_fiber::yield();  // the cancel arrives here
      CHECK(ch.send(1) == ChannelStatus::ok);  // completes at once: no wait, no delivery
      CHECK_THROWS_AS(ch.send(2), weft::Cancelled);  // would block: delivered
    });
    f.cancel();
    f.join();
    CHECK(ch.recv().value() == 1);
  });
}

TEST_CASE("range-for receives until the channel is closed", "[channel]") {
  weft::run([] {
    Channel<std::string> ch(2);
    auto producer = weft::spawn([&] {
      for (int i = 0; i < 50; ++i) REQUIRE(ch.send(std::to_string(i)) == ChannelStatus::ok);
      ch.close();
    });
    int count = 0;
    for (std::string s : ch) CHECK(s == std::to_string(count++));
    CHECK(count == 50);
    producer.join();
  });
}

TEST_CASE("many producers and consumers on one thread: each value once", "[channel]") {
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{16}, weft::kUnbounded);
  weft::run([capacity] {
    Channel<int> ch(capacity);
    constexpr int kProducers = 4, kConsumers = 3, kEach = 500;
    std::vector<int> seen(kProducers * kEach, 0);
    std::vector<weft::JoinHandle<void>> producers, consumers;
    for (int p = 0; p < kProducers; ++p)
      producers.push_back(weft::spawn([&, p] {
        for (int i = 0; i < kEach; ++i) {
          REQUIRE(ch.send(p * kEach + i) == ChannelStatus::ok);
          if (i % 7 == 0) weft::this_fiber::yield();
        }
      }));
    for (int c = 0; c < kConsumers; ++c)
      consumers.push_back(weft::spawn([&] {
        for (int v : ch) ++seen[static_cast<std::size_t>(v)];
      }));
    for (auto& p : producers) p.join();
    ch.close();
    for (auto& c : consumers) c.join();
    CHECK(std::count(seen.begin(), seen.end(), 1) == kProducers * kEach);
  });
}

TEST_CASE("non-blocking operations and close work from plain threads", "[channel][threads]") {
  Channel<int> ch(2);
  CHECK(ch.try_send(1) == ChannelStatus::ok);
  CHECK(ch.send(2) == ChannelStatus::ok);  // does not need to block
  CHECK_THROWS_AS(ch.send(3), weft::UsageError);  // would block outside a fiber
  CHECK(ch.recv().value() == 1);
  CHECK(ch.try_recv().value() == 2);
  CHECK_THROWS_AS(ch.recv(), weft::UsageError);
  ch.close();
  CHECK(ch.recv().status() == ChannelStatus::closed);  // no need to block
}

TEST_CASE("a plain thread wakes a fiber blocked in recv", "[channel][threads]") {
  Channel<int> ch;
  std::atomic<bool> waiting{false};
  std::thread feeder([&] {
    while (!waiting.load()) std::this_thread::yield();
    // The receiver may not have parked yet: keep offering until it takes the value.
    while (ch.try_send(11) == ChannelStatus::full) std::this_thread::yield();
    ch.close();
  });
  std::vector<int> got;
  weft::run(
      [&] {
        waiting = true;
        for (int v : ch) got.push_back(v);
      },
      no_deadlock_detection());
  feeder.join();
  CHECK(got == std::vector<int>{11});
}

TEST_CASE("Channel: a blocked sender does not touch the channel after its receiver took the value",
          "[channel]") {
  // A reply channel on the requester's side, destroyed as soon as the reply arrived
  // (use after free here shows under ASan).
  weft::run([] {
    Channel<Channel<int>*> requests(1);
    ChannelStatus sent = ChannelStatus::empty;
    auto server = weft::spawn([&] {
      Channel<int>* reply = *requests.recv();
      sent = reply->send(42);  // blocks: the requester does not receive yet
    });
    {
      auto reply = std::make_unique<Channel<int>>(0);
      REQUIRE(requests.send(reply.get()) == ChannelStatus::ok);
      for (int i = 0; i < 3; ++i) weft::this_fiber::yield();  // the server blocks in send
      CHECK(*reply->recv() == 42);
    }  // the reply channel goes while the server has not resumed yet
    server.join();
    CHECK(sent == ChannelStatus::ok);
  });
}

TEST_CASE("Channel: a steady_clock deadline beyond the clock's range means no deadline",
          "[channel][timeout]") {
  weft::run([] {
    Channel<int> ch(1);
    auto sender = weft::spawn([&] {
      weft::this_fiber::sleep_for(5ms);
      (void)ch.send(7);
    });
    const auto far = std::chrono::time_point<std::chrono::steady_clock, std::chrono::seconds>(
        std::chrono::seconds(1LL << 40));  // ~35,000 years: overflows nanoseconds
    auto r = ch.recv_until(far);
    REQUIRE(r.ok());
    CHECK(*r == 7);
    sender.join();
  });
}

TEST_CASE("destroying a channel while a fiber waits on it names the program's bug",
          "[channel][errors]") {
  weft_test::ChildResult child = weft_test::run_in_child([] {
    weft::run([] {
      auto* channel = new weft::Channel<int>(0);
      auto receiver = weft::spawn([&] { (void)channel->recv(); }, {.name = "receiver"});
      weft::this_fiber::yield();  // the receiver now waits (on one worker, it has run)
      delete channel;
      receiver.join();
    }, weft_test::one_worker());
  });
  INFO("child stderr: " << child.err);
  CHECK(child.died_of_signal());  // abort: the waiter's node points into the channel
  CHECK_THAT(child.err, Catch::Matchers::Contains("weft: a channel at 0x"));
  CHECK_THAT(child.err, Catch::Matchers::Contains("bug in the program, not in weft"));
  CHECK_THAT(child.err, Catch::Matchers::Contains("'receiver'"));
  CHECK_THAT(child.err, !Catch::Matchers::Contains("internal invariant"));
}
