// Actors: links (crash propagation, trapping exits), monitors, the registry and topics.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "support/workers.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Crash {};
// Crashes on Crash; otherwise idles.
struct Fragile {
  using Message = std::variant<int, Crash>;
  void handle(int) {}
  void handle(Crash) { throw std::runtime_error("fragile crashed"); }
};

// Traps exits and forwards what it hears to a channel the test reads.
struct Trapper {
  using Message = std::variant<weft::ExitSignal, weft::Down, weft::ActorAddress>;
  enum class Mode { link, monitor };
  weft::ActorContext<Message>& self;
  std::shared_ptr<weft::Channel<std::string>> heard;
  Trapper(weft::ActorContext<Message>& s, std::shared_ptr<weft::Channel<std::string>> h)
      : self(s), heard(std::move(h)) {}
  // An address to link to (positive) ... the variant carries addresses to watch.
  void handle(weft::ActorAddress target) {
    self.link(target);
    (void)self.monitor(target);
  }
  void handle(weft::ExitSignal s) {
    (void)heard->send("exit " + (s.from ? s.from.name() : "nobody") + " " + s.reason.describe());
  }
  void handle(weft::Down d) { (void)heard->send("down " + d.actor.name() + " " + d.reason.describe()); }
};

}  // namespace

TEST_CASE("links: a crash ends the linked actors, both ways, with its reason", "[actor][links]") {
  weft::run([] {
    auto a = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "a"});
    auto b = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "b", .link = a});
    auto c = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "c", .link = b});
    (void)c.tell(Crash{});  // c -> b -> a
    CHECK(c.wait().describe() == "fragile crashed");
    CHECK(b.wait().describe() == "fragile crashed");
    CHECK(a.wait().describe() == "fragile crashed");
    CHECK(a.wait().kind() == weft::ExitReason::Kind::error);
  });
}

TEST_CASE("links: a normal exit does not end linked actors; stop does not either", "[actor][links]") {
  weft::run([] {
    auto a = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "a"});
    auto b = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "b", .link = a});
    b.stop();
    CHECK(b.wait().is_normal());
    CHECK(a.tell(1) == weft::Delivery::delivered);
    CHECK_FALSE(a.wait_for(20ms).has_value());  // still running
    a.exit(weft::ExitReason::shutdown());
    CHECK(a.wait() == weft::ExitReason::shutdown());
  });
}

TEST_CASE("links: an actor that traps exits receives ExitSignal and Down instead", "[actor][links]") {
  weft::run([] {
    auto heard = std::make_shared<weft::Channel<std::string>>(16);
    auto trapper = weft::spawn_actor<Trapper>(weft::ActorOptions{.name = "trapper", .trap_exits = true}, heard);
    auto victim = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "victim"});
    (void)trapper.tell(victim.address());
    // Both arrive, in either order: the link's exit signal and the monitor's Down.
    REQUIRE(weft_test::yield_until([&] { return victim.alive(); }));
    weft::this_fiber::sleep_for(5ms);  // let the trapper link and monitor
    (void)victim.tell(Crash{});
    CHECK(victim.wait().describe() == "fragile crashed");
    std::vector<std::string> got;
    for (int i = 0; i < 2; ++i) {
      auto r = heard->recv_for(5s);
      REQUIRE(r.ok());
      got.push_back(*r);
    }
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::string>{"down victim fragile crashed", "exit victim fragile crashed"});
    CHECK(trapper.alive());
    // exit() with a trappable reason arrives as a message too; killed does not.
    trapper.exit(weft::ExitReason::shutdown());
    auto r = heard->recv_for(5s);
    REQUIRE(r.ok());
    CHECK(*r == "exit nobody shutdown");  // exit() from a fiber that is no actor
    CHECK(trapper.alive());
    trapper.exit(weft::ExitReason::killed());
    CHECK(trapper.wait().kind() == weft::ExitReason::Kind::killed);
  });
}

namespace {
struct Watcher {
  using Message = std::variant<weft::Down, weft::ActorAddress>;
  weft::ActorContext<Message>& self;
  std::shared_ptr<weft::Channel<std::string>> heard;
  Watcher(weft::ActorContext<Message>& s, std::shared_ptr<weft::Channel<std::string>> h)
      : self(s), heard(std::move(h)) {}
  void handle(weft::ActorAddress target) { (void)self.monitor(target); }
  void handle(weft::Down d) { (void)heard->send(d.actor.name() + ": " + d.reason.describe()); }
};
}  // namespace

TEST_CASE("monitors: Down with the reason, also for an actor that already exited", "[actor][monitor]") {
  weft::run([] {
    auto heard = std::make_shared<weft::Channel<std::string>>(16);
    auto watcher = weft::spawn_actor<Watcher>(weft::ActorOptions{.name = "watcher"}, heard);
    auto target = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "target"});
    (void)watcher.tell(target.address());
    weft::this_fiber::sleep_for(5ms);
    target.exit(weft::ExitReason::error("bad input"));
    auto r = heard->recv_for(5s);
    REQUIRE(r.ok());
    CHECK(*r == "target: bad input");
    CHECK(watcher.alive());  // a monitor never ends the watcher
    (void)watcher.tell(target.address());  // dead already: Down at once
    r = heard->recv_for(5s);
    REQUIRE(r.ok());
    CHECK(*r == "target: bad input");
    watcher.stop();
    (void)watcher.wait();
  });
}

TEST_CASE("registry: names refer to live actors; a dead actor's name is free at once", "[actor][registry]") {
  weft::run([] {
    auto a = weft::spawn_actor<Fragile>(weft::ActorOptions{.name = "first"});
    CHECK(weft::register_actor("service", a));
    CHECK_FALSE(weft::register_actor("service", a));  // taken
    auto found = weft::lookup<Fragile::Message>("service");
    REQUIRE(found.has_value());
    CHECK(*found == a);
    CHECK_THROWS_AS(weft::lookup<std::string>("service"), weft::UsageError);
    CHECK_THROWS_AS(weft::register_actor("", a), weft::UsageError);
    CHECK_FALSE(weft::lookup_address("nobody").has_value());

    (void)a.tell(Crash{});
    (void)a.wait();
    CHECK_FALSE(weft::lookup_address("service").has_value());  // released with the exit
    CHECK_FALSE(weft::register_actor("other", a));                // dead: no new name

    auto b = weft::spawn_actor<Fragile>();
    CHECK(weft::register_actor("service", b));
    CHECK(weft::unregister_actor("service"));
    CHECK_FALSE(weft::unregister_actor("service"));
    CHECK(weft::register_actor("service", b));
    b.stop();
    (void)b.wait();
    CHECK_FALSE(weft::lookup_address("service").has_value());
  });
}

TEST_CASE("registry: racing registrations of one name, exactly one wins each round", "[actor][registry]") {
  weft::run([] {
    for (int round = 0; round < 20; ++round) {
      std::vector<weft::ActorRef<Fragile::Message>> actors;
      for (int i = 0; i < 4; ++i) actors.push_back(weft::spawn_actor<Fragile>());
      std::atomic<int> winners{0};
      std::vector<weft::JoinHandle<void>> racers;
      for (auto& actor : actors)
        racers.push_back(weft::spawn([&winners, actor] {
          if (weft::register_actor("contested", actor)) ++winners;
        }));
      for (auto& r : racers) r.join();
      CHECK(winners == 1);
      auto holder = weft::lookup_address("contested");
      REQUIRE(holder.has_value());
      for (auto& actor : actors) actor.exit(weft::ExitReason::killed());
      for (auto& actor : actors) (void)actor.wait();
      CHECK_FALSE(weft::lookup_address("contested").has_value());
    }
  });
}

namespace {
struct Tally {
  using Message = std::variant<int, weft::Ask<std::monostate, int>>;
  int sum = 0;
  void handle(int n) { sum += n; }
  void handle(weft::Ask<std::monostate, int> ask) { ask.reply(sum); }
};
}  // namespace

TEST_CASE("topics: publish reaches current subscribers; subscriptions are scoped", "[actor][topic]") {
  weft::run([] {
    weft::Topic<int> topic;
    auto a = weft::spawn_actor<Tally>();
    auto b = weft::spawn_actor<Tally>();
    int direct = 0;
    {
      auto sa = topic.subscribe(a);
      auto sb = topic.subscribe(b);
      auto sf = topic.subscribe([&direct](const int& n) { direct += n; });
      CHECK(topic.size() == 3);
      CHECK(topic.publish(1) == 3);
      sb.reset();
      CHECK(topic.publish(10) == 2);
    }
    CHECK(topic.size() == 0);
    CHECK(topic.publish(100) == 0);
    CHECK(a.ask(std::monostate{}, 5s).get() == 11);
    CHECK(b.ask(std::monostate{}, 5s).get() == 1);
    CHECK(direct == 11);
    // A subscriber that exited is dropped on the next publish.
    auto sa = topic.subscribe(a);
    a.stop();
    (void)a.wait();
    CHECK(topic.publish(5) == 0);
    CHECK(topic.size() == 0);
    b.stop();
    (void)b.wait();
  });
}

TEST_CASE("topics: subscribing and unsubscribing while others publish", "[actor][topic]") {
  weft::run([] {
    weft::Topic<int> topic;
    std::atomic<bool> done{false};
    std::atomic<long> received{0};
    auto publisher = weft::spawn([&] {
      // 2,000 publications, and on until one reached a subscriber: on several workers
      // the churners may start only after the first 2,000 (bounded by a deadline).
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      for (int i = 0; i < 2000 || (received == 0 && std::chrono::steady_clock::now() < give_up); ++i) {
        topic.publish(1);
        if (i % 16 == 0) weft::this_fiber::yield();
      }
      done = true;
    });
    std::vector<weft::JoinHandle<void>> churners;
    for (int c = 0; c < 4; ++c)
      churners.push_back(weft::spawn([&] {
        while (!done) {
          auto s = topic.subscribe([&received](const int& n) { received += n; });
          weft::this_fiber::yield();
        }
      }));
    publisher.join();
    for (auto& c : churners) c.join();
    CHECK(received > 0);
    CHECK(topic.publish(1) == 0);  // every scoped subscription ended
  });
}
