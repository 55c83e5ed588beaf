// Actors under the checker: the account scenarios of tools/scenarios/actor_bugs.cpp (the
// check-then-act across two asks found, with the messages named in the report, and its
// fix passing; a message-passing bank passing an exhaustive search), and supervision
// explored under it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <variant>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using namespace std::chrono_literals;

namespace {
check::Report explore_scenario(const char* name, check::StrategySpec strategy, std::size_t iterations,
                               unsigned workers = 2) {
  const check::Scenario* s = check::find_scenario(name);
  REQUIRE(s != nullptr);
  check::Options o = weft_test::quiet(strategy, iterations);
  o.name = name;
  o.workers = workers;
  return check::explore(o, s->body);
}
}  // namespace

TEST_CASE("a check-then-act across two asks is found; the report names the messages", "[checker][actor]") {
  const check::Report report = explore_scenario("actor_overdraft", check::Portfolio{}, 2000);
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Assertion);
  CHECK(report.message.find("left >= 0") != std::string::npos);
  const std::string text = report.to_string();
  CHECK(text.find("ask Balance") != std::string::npos);
  CHECK(text.find("ask Withdraw") != std::string::npos);
  CHECK(text.find("'checking'") != std::string::npos);  // the account, by its name
  CHECK(check::deterministic(report.shrunk_schedule, check::find_scenario("actor_overdraft")->body));
}

TEST_CASE("the transfer that checks and debits in one message passes", "[checker][actor]") {
  const check::Report report = explore_scenario("actor_overdraft_fixed", check::Portfolio{}, 2000);
  INFO(report.to_string());
  CHECK(report.ok());
}

TEST_CASE("a bank whose transfers are messages passes an exhaustive search on 2 workers", "[checker][actor]") {
  const char* bound = std::getenv("WEFT_TEST_DFS_PREEMPTIONS");  // tests/check/meson.build
  const int preemptions = bound != nullptr ? std::atoi(bound) : 2;
  const check::Report report =
      explore_scenario("actor_bank_transfer", check::Dfs{preemptions, 1000000}, 1000000);
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(report.exhaustive);
  CHECK(report.runs > 1000);  // every interleaving of two payers, two accounts and the stops
}

namespace {
struct Crash {};
struct Fragile {
  using Message = std::variant<int, Crash>;
  void handle(int) {}
  void handle(Crash) { throw std::runtime_error("crash"); }
};
}  // namespace

TEST_CASE("links, monitors and supervisors run under the checker", "[checker][actor]") {
  check::Options o = weft_test::quiet(check::Random{}, 200);
  const check::Report report = check::explore(o, [] {
    auto sup = weft::spawn_supervisor({.name = "sup", .max_restarts = 5}, {weft::child<Fragile>("f")});
    std::optional<weft::ActorAddress> f;
    while (!(f = sup.child_address("f"))) weft::this_fiber::yield();
    (void)weft::ActorRef<Fragile::Message>::from(*f)->tell(Crash{});
    WEFT_ASSERT(f->wait().describe() == "crash");
    while (sup.restarts() == 0) weft::this_fiber::yield();
    sup.stop();
    WEFT_ASSERT(sup.wait().is_normal());
  });
  INFO(report.to_string());
  CHECK(report.ok());
}
