// Misuse of the API raises weft::UsageError with a message naming the call and the rule.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include <weft/weft.hpp>

using Catch::Matchers::Contains;
using namespace std::chrono_literals;

TEST_CASE("joining a handle twice: the second join finds an empty handle", "[usage]") {
  weft::run([] {
    auto h = weft::spawn([] { return 1; });
    CHECK(h.join() == 1);
    CHECK_THROWS_MATCHES(h.join(), weft::UsageError, Catch::Matchers::Message(
        "weft::JoinHandle: the handle is empty (joined, detached or moved)"));
    CHECK_THROWS_AS(h.wait_for(1ms), weft::UsageError);
    CHECK_THROWS_AS(h.cancel(), weft::UsageError);
    CHECK_THROWS_AS(h.detach(), weft::UsageError);
    CHECK_THROWS_AS(h.id(), weft::UsageError);
  });
}

TEST_CASE("a moved-from handle is empty", "[usage]") {
  weft::run([] {
    auto h = weft::spawn([] { return 2; });
    auto moved = std::move(h);
    CHECK_FALSE(h.joinable());
    CHECK_THROWS_WITH(h.join(), Contains("empty"));
    CHECK(moved.join() == 2);
  });
}

TEST_CASE("a fiber joining itself gets UsageError", "[usage]") {
  weft::JoinHandle<std::string> self;  // the fiber finds its own handle here
  std::string message = weft::run([&] {
    self = weft::spawn([&]() -> std::string {
      try {
        (void)self.join();
      } catch (const weft::UsageError& e) {
        return e.what();
      }
      return "no error";
    });
    CHECK(self.joinable());
    return self.join();
  });
  CHECK_THAT(message, Contains("cannot join itself"));
  CHECK_FALSE(self.joinable());
}

TEST_CASE("spawn outside a runtime gets UsageError", "[usage]") {
  bool ran = false;
  CHECK_THROWS_MATCHES(weft::spawn([&] { ran = true; }), weft::UsageError,
                       Catch::Matchers::Message(
                           "weft::spawn: not called inside a weft runtime (use weft::run)"));
  CHECK_FALSE(ran);
}

TEST_CASE("weft::run nested in a fiber on the same thread gets UsageError", "[usage]") {
  std::string message = weft::run([] {
    bool inner_ran = false;
    try {
      weft::run([&] { inner_ran = true; });
    } catch (const weft::UsageError& e) {
      CHECK_FALSE(inner_ran);
      return std::string(e.what());
    }
    return std::string("no error");
  });
  CHECK_THAT(message, Contains("already running a weft runtime"));
  // The outer runtime finished cleanly; the thread can run weft again.
  CHECK(weft::run([] { return 4; }) == 4);
}

TEST_CASE("sleeping outside a fiber gets UsageError", "[usage]") {
  CHECK_THROWS_MATCHES(weft::this_fiber::sleep_for(1ms), weft::UsageError,
                       Catch::Matchers::Message(
                           "weft::this_fiber::sleep: not called from a weft fiber"));
  CHECK_THROWS_AS(weft::this_fiber::sleep_until(weft::now()), weft::UsageError);
}

TEST_CASE("kernel waits outside a fiber get UsageError", "[usage]") {
  CHECK(weft::sched::current_fiber() == nullptr);
  CHECK_THROWS_WITH(weft::sched::park(weft::sched::WaitRecord{}), Contains("weft::sched::park"));
  CHECK_THROWS_AS(weft::sched::begin_wait(weft::sched::WaitRecord{}), weft::UsageError);
  CHECK_THROWS_AS(weft::sched::require_fiber("test call"), weft::UsageError);
  CHECK_THROWS_WITH(weft::sched::require_fiber("test call"), Contains("test call"));
}

TEST_CASE("UsageError is a weft::Error and a std::runtime_error", "[usage]") {
  CHECK_THROWS_AS(weft::this_fiber::sleep_for(1ms), weft::Error);
  CHECK_THROWS_AS(weft::this_fiber::sleep_for(1ms), std::runtime_error);
}
