// Supervisors: each strategy, restart policies, the intensity limit, nesting.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "support/workers.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Crash {};
struct Finish {};
// Counts its starts in a shared counter; crashes or ends normally on request.
struct Child {
  using Message = std::variant<Crash, Finish>;
  weft::ActorContext<Message>& self;
  Child(weft::ActorContext<Message>& s, std::shared_ptr<std::atomic<int>> starts) : self(s) { ++*starts; }
  void handle(Crash) { throw std::runtime_error("child crashed"); }
  void handle(Finish) { self.stop(); }
};

using Starts = std::shared_ptr<std::atomic<int>>;
Starts counter() { return std::make_shared<std::atomic<int>>(0); }

weft::ActorRef<Child::Message> current(const weft::Supervisor& sup, const std::string& name) {
  std::optional<weft::ActorRef<Child::Message>> ref;
  REQUIRE(weft_test::yield_until([&] {
    ref = sup.child<Child::Message>(name);
    return ref.has_value();
  }));
  return *ref;
}

// Crashes the current incarnation of `name` and waits until a new one runs, and (with
// `starts`, its start counter) until `expected` incarnations have started.
void crash_and_wait_restart(const weft::Supervisor& sup, const std::string& name,
                            const Starts& starts = nullptr, int expected = 0) {
  auto before = current(sup, name);
  (void)before.tell(Crash{});
  (void)before.wait();
  REQUIRE(weft_test::yield_until([&] {
    auto now = sup.child<Child::Message>(name);
    return now.has_value() && *now != before;
  }));
  if (starts) REQUIRE(weft_test::yield_until([&] { return starts->load() == expected; }));
}

}  // namespace

TEST_CASE("supervisor: one_for_one restarts only the child that crashed", "[supervisor]") {
  weft::run([] {
    Starts a = counter(), b = counter();
    auto sup = weft::spawn_supervisor({.name = "sup", .strategy = weft::Strategy::one_for_one},
                                      {weft::child<Child>("a", a), weft::child<Child>("b", b)});
    auto b_before = current(sup, "b");
    REQUIRE(weft_test::yield_until([&] { return *a == 1 && *b == 1; }));
    crash_and_wait_restart(sup, "a", a, 2);
    CHECK(*a == 2);
    CHECK(*b == 1);
    CHECK(current(sup, "b") == b_before);
    CHECK(sup.restarts() == 1);
    CHECK(current(sup, "a").name() == "a");
    sup.stop();
    CHECK(sup.wait().is_normal());
    CHECK(b_before.wait() == weft::ExitReason::shutdown());
  });
}

TEST_CASE("supervisor: one_for_all restarts every child", "[supervisor]") {
  weft::run([] {
    Starts a = counter(), b = counter(), c = counter();
    auto sup = weft::spawn_supervisor(
        {.name = "sup", .strategy = weft::Strategy::one_for_all},
        {weft::child<Child>("a", a), weft::child<Child>("b", b), weft::child<Child>("c", c)});
    auto c_before = current(sup, "c");
    REQUIRE(weft_test::yield_until([&] { return *a == 1 && *b == 1 && *c == 1; }));
    crash_and_wait_restart(sup, "b");
    REQUIRE(weft_test::yield_until([&] { return *a == 2 && *b == 2 && *c == 2; }));
    CHECK(c_before.wait() == weft::ExitReason::shutdown());
    sup.stop();
    CHECK(sup.wait().is_normal());
  });
}

TEST_CASE("supervisor: rest_for_one restarts the child and those started after it", "[supervisor]") {
  weft::run([] {
    Starts a = counter(), b = counter(), c = counter();
    auto sup = weft::spawn_supervisor(
        {.name = "sup", .strategy = weft::Strategy::rest_for_one},
        {weft::child<Child>("a", a), weft::child<Child>("b", b), weft::child<Child>("c", c)});
    auto a_before = current(sup, "a");
    REQUIRE(weft_test::yield_until([&] { return *a == 1 && *b == 1 && *c == 1; }));
    crash_and_wait_restart(sup, "b");
    REQUIRE(weft_test::yield_until([&] { return *b == 2 && *c == 2; }));
    CHECK(*a == 1);
    CHECK(current(sup, "a") == a_before);
    sup.stop();
    CHECK(sup.wait().is_normal());
  });
}

TEST_CASE("supervisor: transient children restart after crashes only; temporary never", "[supervisor]") {
  weft::run([] {
    Starts t = counter(), tmp = counter();
    auto sup = weft::spawn_supervisor(
        {.name = "sup"}, {weft::child<Child>("transient", t).with(weft::Restart::transient),
                          weft::child<Child>("temporary", tmp).with(weft::Restart::temporary)});
    REQUIRE(weft_test::yield_until([&] { return *t == 1 && *tmp == 1; }));
    crash_and_wait_restart(sup, "transient", t, 2);
    CHECK(*t == 2);
    auto tr = current(sup, "transient");
    (void)tr.tell(Finish{});  // a normal exit: not restarted
    CHECK(tr.wait().is_normal());
    auto temp = current(sup, "temporary");
    (void)temp.tell(Crash{});  // a crash, but temporary: not restarted
    (void)temp.wait();
    weft::this_fiber::sleep_for(20ms);
    CHECK_FALSE(sup.child<Child::Message>("transient").has_value());
    CHECK_FALSE(sup.child<Child::Message>("temporary").has_value());
    CHECK(*t == 2);
    CHECK(*tmp == 1);
    CHECK(sup.restarts() == 1);
    CHECK_THROWS_AS(sup.child<Child::Message>("nobody"), weft::UsageError);
    sup.stop();
    CHECK(sup.wait().is_normal());
  });
}

TEST_CASE("supervisor: past the restart intensity the supervisor gives up", "[supervisor]") {
  weft::run([] {
    Starts a = counter(), b = counter();
    auto sup = weft::spawn_supervisor({.name = "fragile-sup", .max_restarts = 2, .within = 10s},
                                      {weft::child<Child>("a", a), weft::child<Child>("b", b)});
    auto b_first = current(sup, "b");
    crash_and_wait_restart(sup, "a", a, 2);
    crash_and_wait_restart(sup, "a", a, 3);
    (void)current(sup, "a").tell(Crash{});  // the third within 10 s: too many
    const weft::ExitReason reason = sup.wait();
    CHECK(reason.kind() == weft::ExitReason::Kind::error);
    CHECK(reason.describe().find("more than 2 restarts") != std::string::npos);
    CHECK(reason.describe().find("child 'a'") != std::string::npos);
    CHECK(b_first.wait() == weft::ExitReason::shutdown());  // the others were shut down
    CHECK(*a == 3);
  });
}

TEST_CASE("supervisor: restarts older than the period do not count", "[supervisor]") {
  weft::run([] {
    Starts a = counter();
    auto sup = weft::spawn_supervisor({.name = "sup", .max_restarts = 1, .within = 30ms},
                                      {weft::child<Child>("a", a)});
    for (int i = 0; i < 3; ++i) {
      crash_and_wait_restart(sup, "a");
      weft::this_fiber::sleep_for(40ms);
    }
    CHECK(sup.restarts() == 3);
    CHECK(sup.wait_for(1ms) == std::nullopt);  // still running
    sup.stop();
    CHECK(sup.wait().is_normal());
  });
}

TEST_CASE("supervisor: a supervision tree restarts a crashed sub-supervisor", "[supervisor]") {
  weft::run([] {
    Starts leaf = counter();
    auto top = weft::spawn_supervisor(
        {.name = "top", .max_restarts = 5},
        {weft::supervisor_child({.name = "sub", .max_restarts = 0}, {weft::child<Child>("leaf", leaf)})});
    REQUIRE(weft_test::yield_until([&] { return *leaf == 1; }));
    auto sub = top.child_address("sub");
    REQUIRE(sub.has_value());
    // The sub-supervisor fails: the top restarts it, which starts a new leaf.
    sub->exit(weft::ExitReason::error("sub failed"));
    REQUIRE(weft_test::yield_until([&] { return *leaf == 2; }));
    CHECK(top.restarts() == 1);
    top.stop();
    CHECK(top.wait().is_normal());
  });
}

TEST_CASE("supervisor: bad child specs are refused", "[supervisor]") {
  weft::run([] {
    Starts a = counter();
    CHECK_THROWS_AS(weft::spawn_supervisor({}, {weft::child<Child>("x", a), weft::child<Child>("x", a)}),
                    weft::UsageError);
    CHECK_THROWS_AS(weft::spawn_supervisor({}, {weft::child<Child>("", a)}), weft::UsageError);
  });
}
