// Actors: behaviours, tell and ask, stop and exit reasons, selective receive, per-sender
// FIFO and mailbox capacities. Runs on 1 worker here and on 2 and 4 in the workers suite.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "support/workers.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Collects what it receives; answers how many it has seen.
struct Collector {
  struct Count {};
  using Message = std::variant<std::string, weft::Ask<Count, std::vector<std::string>>>;
  std::vector<std::string> seen;
  void handle(std::string s) { seen.push_back(std::move(s)); }
  void handle(weft::Ask<Count, std::vector<std::string>> ask) { ask.reply(seen); }
};

struct Add {
  int n;
};
struct Get {};
struct Boom {};
// A counter with tagged dispatch: each alternative has its handle().
struct Counter {
  using Message = std::variant<Add, weft::Ask<Get, int>, Boom>;
  int total = 0;
  void handle(Add a) { total += a.n; }
  void handle(weft::Ask<Get, int> ask) { ask.reply(total); }
  void handle(Boom) { throw std::runtime_error("boom"); }
};

// An over-aligned message: counts the places it was built at that ignore its alignment.
struct alignas(64) Wide {
  explicit Wide(int v) : value(v) {}
  Wide(Wide&& other) noexcept : value(other.value) { note(this); }
  Wide& operator=(Wide&& other) noexcept {
    value = other.value;
    note(this);
    return *this;
  }
  static void note(const void* at) {
    if (reinterpret_cast<std::uintptr_t>(at) % alignof(Wide) != 0) ++misaligned;
  }
  static inline std::atomic<int> misaligned{0};
  int value;
};
struct WideSum {
  using Message = Wide;
  explicit WideSum(int& total) : total_(total) {}
  void handle(Wide w) { total_ += w.value; }
  int& total_;
};

}  // namespace

TEST_CASE("actor: a behaviour handles messages in order and answers asks", "[actor]") {
  weft::run([] {
    auto c = weft::spawn_actor<Collector>(weft::ActorOptions{.name = "collector"});
    CHECK(c.name() == "collector");
    CHECK(c.tell(std::string("hello")) == weft::Delivery::delivered);
    CHECK(c.tell(std::string("world")) == weft::Delivery::delivered);
    auto seen = c.ask(Collector::Count{}, 5s).get();
    CHECK(seen == std::vector<std::string>{"hello", "world"});
    c.stop();
    CHECK(c.wait().is_normal());
    CHECK_FALSE(c.alive());
    CHECK(c.tell(std::string("late")) == weft::Delivery::dead);
  });
}

TEST_CASE("actor: tagged dispatch over a variant; a throwing handler crashes the actor", "[actor]") {
  weft::run([] {
    auto counter = weft::spawn_actor<Counter>();
    for (int i = 1; i <= 100; ++i) (void)counter.tell(Add{i});
    CHECK(counter.ask(Get{}, 5s).get() == 5050);
    (void)counter.tell(Boom{});
    const weft::ExitReason reason = counter.wait();
    CHECK(reason.kind() == weft::ExitReason::Kind::error);
    CHECK(reason.describe() == "boom");
    REQUIRE(reason.exception() != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(reason.exception()), std::runtime_error);
  });
  CHECK(weft::unjoined_exception_count() >= 1);  // nobody watched that crash
}

namespace {
// Never answers Get: drops the ask, or keeps it.
struct Silent {
  using Message = std::variant<weft::Ask<Get, int>, weft::Ask<std::string, int>>;
  std::vector<weft::Ask<std::string, int>> kept;
  void handle(weft::Ask<Get, int>) {}
  void handle(weft::Ask<std::string, int> ask) { kept.push_back(std::move(ask)); }
};
}  // namespace

TEST_CASE("actor: an ask completes with NoReply, AskTimeout or ActorExited, never hangs", "[actor]") {
  weft::run([] {
    auto silent = weft::spawn_actor<Silent>(weft::ActorOptions{.name = "silent"});
    auto dropped = silent.ask(Get{}, 5s);
    CHECK_THROWS_AS(dropped.get(), weft::NoReply);

    const weft::TimePoint before = weft::now();
    auto kept = silent.ask(std::string("wait"), 50ms);
    CHECK_THROWS_AS(kept.get(), weft::AskTimeout);
    CHECK(weft::now() - before >= 50ms);

    auto pending = silent.ask(std::string("pending"), 10s);
    silent.stop();
    CHECK(silent.wait().is_normal());
    // The kept Asks die with the actor: the pending one learns it exited.
    try {
      (void)pending.get();
      FAIL("expected ActorExited");
    } catch (const weft::ActorExited& e) {
      CHECK(e.reason().is_normal());
      CHECK(std::string(e.what()).find("silent") != std::string::npos);
    }
    // Asking a dead actor fails at once.
    CHECK_THROWS_AS(silent.ask(Get{}, 10s).get(), weft::ActorExited);
  });
}

namespace {
// Crashes on asks with a negative number; a caught exception keeps it alive.
struct Checker {
  using Message = weft::Ask<int, int>;
  void handle(weft::Ask<int, int> ask) {
    if (ask.request() < 0) throw std::invalid_argument("negative");
    if (ask.request() == 0) {
      try {
        weft::Ask<int, int> dropped = std::move(ask);
        throw std::runtime_error("handled inside");
      } catch (const std::runtime_error&) {
      }
      return;
    }
    ask.reply(ask.request() * 2);
  }
};
}  // namespace

TEST_CASE("actor: an ask whose handler crashes the actor completes with the crash", "[actor]") {
  weft::run([] {
    auto checker = weft::spawn_actor<Checker>(weft::ActorOptions{.name = "checker"});
    CHECK(checker.ask(21, 5s).get() == 42);
    CHECK_THROWS_AS(checker.ask(0, 5s).get(), weft::NoReply);  // caught inside: still alive
    CHECK(checker.alive());
    try {
      (void)checker.ask(-1, 5s).get();
      FAIL("expected ActorExited");
    } catch (const weft::ActorExited& e) {
      CHECK(e.reason().describe() == "negative");
    }
    CHECK(checker.wait().describe() == "negative");
  });
}

namespace {
struct Recorder {
  struct Msg {
    int sender;
    int seq;
  };
  using Message = std::variant<Msg, weft::Ask<Get, bool>>;
  std::vector<int> next = std::vector<int>(8, 0);
  bool in_order = true;
  int count = 0;
  void handle(Msg m) {
    in_order = in_order && m.seq == next[m.sender];
    next[m.sender] = m.seq + 1;
    ++count;
  }
  void handle(weft::Ask<Get, bool> ask) { ask.reply(in_order && count == 8 * 2000); }
};
}  // namespace

TEST_CASE("actor: messages from each sender arrive in the order sent", "[actor]") {
  weft::run([] {
    auto rec = weft::spawn_actor<Recorder>();
    std::vector<weft::JoinHandle<void>> senders;
    for (int s = 0; s < 8; ++s)
      senders.push_back(weft::spawn([rec, s] {
        for (int i = 0; i < 2000; ++i) {
          (void)rec.tell(Recorder::Msg{s, i});
          if (i % 64 == 0) weft::this_fiber::yield();
        }
      }));
    for (auto& s : senders) s.join();
    CHECK(rec.ask(Get{}, 10s).get());
    rec.stop();
    (void)rec.wait();
  });
}

TEST_CASE("actor: plain threads may tell", "[actor]") {
  weft::run([] {
    auto rec = weft::spawn_actor<Recorder>();
    std::vector<std::thread> threads;
    for (int s = 0; s < 8; ++s)
      threads.emplace_back([rec, s] {
        for (int i = 0; i < 2000; ++i) (void)rec.tell(Recorder::Msg{s, i});
      });
    for (auto& t : threads) t.join();
    CHECK(rec.ask(Get{}, 10s).get());
    rec.stop();
    (void)rec.wait();
  });
}

namespace {
struct Token {
  std::unique_ptr<int> value;  // move-only: messages are never copied
};
struct Keeper {
  using Message = std::variant<Token, weft::Ask<Get, int>>;
  int sum = 0;
  void handle(Token t) { sum += *t.value; }
  void handle(weft::Ask<Get, int> ask) { ask.reply(sum); }
};
}  // namespace

TEST_CASE("actor: move-only messages", "[actor]") {
  weft::run([] {
    auto keeper = weft::spawn_actor<Keeper>();
    (void)keeper.tell(Token{std::make_unique<int>(40)});
    Token t{std::make_unique<int>(2)};
    (void)keeper.tell(std::move(t));
    CHECK(keeper.ask(Get{}, 5s).get() == 42);
    keeper.stop();
    (void)keeper.wait();
  });
}

namespace {
struct Hi {
  int n;
};
struct Bye {};
// Its own loop with selective receive: takes Bye before the Hi messages sent earlier.
struct Picky {
  using Message = std::variant<Hi, Bye>;
  std::shared_ptr<std::vector<int>> log;
  explicit Picky(std::shared_ptr<std::vector<int>> l) : log(std::move(l)) {}
  void run(weft::ActorContext<Message>& self) {
    auto bye = self.receive<Bye>(5s);
    REQUIRE(bye.has_value());
    log->push_back(-1);
    while (auto m = self.receive_for(50ms)) log->push_back(std::get<Hi>(*m).n);
    CHECK_FALSE(self.receive_if([](const Message&) { return true; }, 1ms).has_value());
  }
};
}  // namespace

TEST_CASE("actor: selective receive keeps the skipped messages in order", "[actor]") {
  weft::run([] {
    auto log = std::make_shared<std::vector<int>>();
    auto picky = weft::spawn_actor<Picky>(log);
    for (int i = 0; i < 5; ++i) (void)picky.tell(Hi{i});
    (void)picky.tell(Bye{});
    CHECK(picky.wait().is_normal());
    CHECK(*log == std::vector<int>{-1, 0, 1, 2, 3, 4});
  });
}

namespace {
// Blocks in its first message until released, so that its mailbox fills up.
struct Slow {
  using Message = std::variant<int, weft::Ask<Get, int>>;
  std::shared_ptr<weft::Event> gate;
  int seen = 0;
  explicit Slow(std::shared_ptr<weft::Event> g) : gate(std::move(g)) {}
  void handle(int) {
    gate->wait();
    ++seen;
  }
  void handle(weft::Ask<Get, int> ask) { ask.reply(seen); }
};

weft::ActorOptions bounded(std::size_t capacity, weft::Overflow overflow) {
  weft::ActorOptions options;
  options.name = "slow";
  options.mailbox = {capacity, overflow};
  return options;
}

// Lets the actor take its first letter (it then blocks on the gate): the mailbox then
// holds exactly what is sent after.
void send_first_and_wait_until_taken(const weft::ActorRef<Slow::Message>& slow) {
  (void)slow.tell(0);
  REQUIRE(weft_test::yield_until([&] { return slow.mailbox_size() == 0; }));
}
// Opens the gate and checks that the actor handled `expected` messages in all; stops it.
void release_and_count(const weft::ActorRef<Slow::Message>& slow, weft::Event& gate, int expected) {
  gate.set();
  REQUIRE(weft_test::yield_until([&] { return slow.mailbox_size() == 0; }));
  CHECK(slow.ask(Get{}, 5s).get() == expected);
  slow.stop();
  (void)slow.wait();
}
}  // namespace

TEST_CASE("actor: a full mailbox drops, fails or blocks by its policy", "[actor]") {
  weft::run([] {
    SECTION("drop") {
      auto gate = std::make_shared<weft::Event>();
      auto slow = weft::spawn_actor<Slow>(bounded(3, weft::Overflow::drop), gate);
      send_first_and_wait_until_taken(slow);
      for (int i = 0; i < 3; ++i) CHECK(slow.tell(1) == weft::Delivery::delivered);
      CHECK(slow.tell(1) == weft::Delivery::dropped);
      CHECK(slow.mailbox_size() == 3);
      CHECK_THROWS_AS(slow.ask(Get{}, 5s).get(), weft::MailboxFull);  // asks say so
      release_and_count(slow, *gate, 4);
    }
    SECTION("fail") {
      auto gate = std::make_shared<weft::Event>();
      auto slow = weft::spawn_actor<Slow>(bounded(2, weft::Overflow::fail), gate);
      send_first_and_wait_until_taken(slow);
      (void)slow.tell(1);
      (void)slow.tell(1);
      CHECK_THROWS_AS(slow.tell(1), weft::MailboxFull);
      CHECK_THROWS_AS(slow.ask(Get{}, 5s).get(), weft::MailboxFull);
      release_and_count(slow, *gate, 3);
    }
    SECTION("block, with a timeout form") {
      auto gate = std::make_shared<weft::Event>();
      auto slow = weft::spawn_actor<Slow>(bounded(2, weft::Overflow::block), gate);
      send_first_and_wait_until_taken(slow);
      (void)slow.tell(1);
      (void)slow.tell(1);
      CHECK(slow.tell_for(1, 20ms) == weft::Delivery::timeout);
      std::atomic<bool> sent{false};
      auto sender = weft::spawn([&] {
        CHECK(slow.tell(1) == weft::Delivery::delivered);  // waits for room
        sent = true;
      });
      weft::this_fiber::sleep_for(20ms);
      CHECK_FALSE(sent);
      gate->set();
      sender.join();
      CHECK(sent);
      CHECK(slow.ask(Get{}, 5s).get() == 4);
      slow.stop();
      (void)slow.wait();
    }
    SECTION("a blocked sender learns that the actor exited") {
      auto gate = std::make_shared<weft::Event>();
      auto slow = weft::spawn_actor<Slow>(bounded(1, weft::Overflow::block), gate);
      send_first_and_wait_until_taken(slow);
      (void)slow.tell(1);
      auto sender = weft::spawn([&] { CHECK(slow.tell(1) == weft::Delivery::dead); });
      weft::this_fiber::sleep_for(10ms);
      slow.exit(weft::ExitReason::killed());
      CHECK(slow.wait().kind() == weft::ExitReason::Kind::killed);
      sender.join();
    }
  });
}

TEST_CASE("actor: exit(reason) from outside ends the actor with that reason", "[actor]") {
  weft::run([] {
    auto gate = std::make_shared<weft::Event>();
    auto slow = weft::spawn_actor<Slow>(gate);
    (void)slow.tell(0);  // blocks in the handler: the kill cancels that wait
    slow.exit(weft::ExitReason::error("stopped by the test"));
    const weft::ExitReason reason = slow.wait();
    CHECK(reason.kind() == weft::ExitReason::Kind::error);
    CHECK(reason.describe() == "stopped by the test");
    auto idle = weft::spawn_actor<Counter>();
    idle.exit(weft::ExitReason::normal());  // ignored: not trapping, normal
    CHECK(idle.ask(Get{}, 5s).get() == 0);
    idle.exit(weft::ExitReason::shutdown());
    CHECK(idle.wait() == weft::ExitReason::shutdown());
  });
}

TEST_CASE("actor: over-aligned messages travel in aligned letters", "[actor]") {
  int total = 0;
  weft::run([&total] {
    auto sum = weft::spawn_actor<WideSum>(std::ref(total));
    for (int i = 1; i <= 100; ++i) CHECK(sum.tell(Wide(i)) == weft::Delivery::delivered);
    sum.stop();
    CHECK(sum.wait().is_normal());  // the behaviour is gone: its sum is complete
  });
  CHECK(total == 5050);
  CHECK(Wide::misaligned == 0);
}
