// Promise / Future: the contract, exceptions, broken promises, misuse, timed waits,
// cancellation of a blocked get, and completion from a plain thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

namespace {

struct BoomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Generous upper bound for timed waits on a loaded 2-core machine.
constexpr auto kSlack = 2s;

}  // namespace

TEST_CASE("a value set by another fiber is returned by get", "[future]") {
  int got = weft::run([] {
    weft::Promise<int> promise;
    weft::Future<int> future = promise.get_future();
    CHECK(future.valid());
    CHECK_FALSE(future.ready());
    auto setter = weft::spawn([&promise] { promise.set_value(42); });
    int v = future.get();
    CHECK_FALSE(future.valid());  // get() takes the result
    setter.join();
    return v;
  });
  CHECK(got == 42);
}

TEST_CASE("get returns at once when the value was set before", "[future]") {
  weft::run([] {
    weft::Promise<std::string> promise;
    auto future = promise.get_future();
    promise.set_value("ready");
    CHECK(future.ready());
    CHECK(future.get() == "ready");
  });
}

TEST_CASE("a ready future can be read outside a fiber", "[future]") {
  weft::Promise<int> promise;  // outside any runtime: cross-thread
  auto future = promise.get_future();
  promise.set_value(7);
  CHECK(future.wait_for(0s) == weft::FutureStatus::ready);
  CHECK(future.get() == 7);
}

TEST_CASE("Future<void> signals completion", "[future]") {
  weft::run([] {
    weft::Promise<void> promise;
    auto future = promise.get_future();
    bool set = false;
    auto setter = weft::spawn([&] {
      set = true;
      promise.set_value();
    });
    future.get();
    CHECK(set);
    setter.join();
  });
}

TEST_CASE("move-only values pass through", "[future]") {
  weft::run([] {
    weft::Promise<std::unique_ptr<int>> promise;
    auto future = promise.get_future();
    promise.set_value(std::make_unique<int>(5));
    std::unique_ptr<int> p = future.get();
    REQUIRE(p);
    CHECK(*p == 5);
  });
}

TEST_CASE("an exception set on the promise is rethrown by get", "[future]") {
  weft::run([] {
    weft::Promise<int> promise;
    auto future = promise.get_future();
    auto setter = weft::spawn([&] {
      try {
        throw BoomError("boom");
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    });
    CHECK_THROWS_MATCHES(future.get(), BoomError, Catch::Matchers::Message("boom"));
    setter.join();
  });
}

TEST_CASE("a promise destroyed unset breaks its future", "[future]") {
  weft::run([] {
    weft::Future<int> future;
    {
      weft::Promise<int> promise;
      future = promise.get_future();
    }
    CHECK(future.ready());
    CHECK_THROWS_AS(future.get(), weft::BrokenPromise);
  });
}

TEST_CASE("a waiting fiber wakes with BrokenPromise when the promise dies", "[future]") {
  weft::run([] {
    auto promise = std::make_unique<weft::Promise<int>>();
    auto future = promise->get_future();
    auto dropper = weft::spawn([&] { promise.reset(); });
    CHECK_THROWS_AS(future.get(), weft::BrokenPromise);
    dropper.join();
  });
}

TEST_CASE("assigning over a promise breaks the old one", "[future]") {
  weft::Promise<int> first;
  auto future = first.get_future();
  first = weft::Promise<int>();
  CHECK_THROWS_AS(future.get(), weft::BrokenPromise);
}

TEST_CASE("misuse throws UsageError", "[future]") {
  weft::run([] {
    weft::Promise<int> promise;
    auto future = promise.get_future();
    SECTION("get_future twice") { CHECK_THROWS_AS(promise.get_future(), weft::UsageError); }
    SECTION("set twice") {
      promise.set_value(1);
      CHECK_THROWS_AS(promise.set_value(2), weft::UsageError);
      CHECK_THROWS_AS(promise.set_exception(std::make_exception_ptr(BoomError("x"))),
                      weft::UsageError);
      CHECK(future.get() == 1);  // the first value stays
    }
    SECTION("get twice") {
      promise.set_value(1);
      CHECK(future.get() == 1);
      CHECK_THROWS_AS(future.get(), weft::UsageError);
      CHECK_THROWS_AS(future.wait(), weft::UsageError);
      CHECK_THROWS_AS(future.ready(), weft::UsageError);
    }
    SECTION("a null exception") { CHECK_THROWS_AS(promise.set_exception(nullptr), weft::UsageError); }
    SECTION("a moved-from promise") {
      weft::Promise<int> other = std::move(promise);
      CHECK_FALSE(promise.valid());
      CHECK_THROWS_AS(promise.set_value(1), weft::UsageError);
      other.set_value(3);
      CHECK(future.get() == 3);
    }
    SECTION("a default-constructed future") {
      weft::Future<int> empty;
      CHECK_FALSE(empty.valid());
      CHECK_THROWS_AS(empty.get(), weft::UsageError);
    }
  });
}

TEST_CASE("blocking get outside a fiber is a UsageError", "[future]") {
  weft::Promise<int> promise;
  auto future = promise.get_future();
  CHECK_THROWS_AS(future.get(), weft::UsageError);
  promise.set_value(1);
  CHECK(future.get() == 1);
}

TEST_CASE("wait_for times out and reports ready once set", "[future][timeout]") {
  weft::run([] {
    weft::Promise<int> promise;
    auto future = promise.get_future();
    auto start = weft::now();
    CHECK(future.wait_for(20ms) == weft::FutureStatus::timeout);
    auto waited = weft::now() - start;
    CHECK(waited >= 20ms);
    CHECK(waited < kSlack);
    CHECK(future.wait_until(weft::now() - 1ms) == weft::FutureStatus::timeout);
    CHECK(future.wait_for(0s) == weft::FutureStatus::timeout);

    auto setter = weft::spawn([&] {
      weft::this_fiber::sleep_for(5ms);
      promise.set_value(9);
    });
    start = weft::now();
    CHECK(future.wait_for(10s) == weft::FutureStatus::ready);
    CHECK(weft::now() - start < kSlack);
    CHECK(future.ready());
    CHECK(future.get() == 9);
    setter.join();
  });
}

TEST_CASE("cancelling a fiber blocked in get leaves the future intact", "[future][cancel]") {
  weft::run([] {
    weft::Promise<int> promise;
    auto future = promise.get_future();
    auto waiter = weft::spawn([&] {
      try {
        (void)future.get();
        return std::string("returned");
      } catch (const weft::Cancelled&) {
        return std::string("cancelled");
      }
    });
    weft::this_fiber::yield();  // the waiter parks in get()
    waiter.cancel();
    CHECK(waiter.join() == "cancelled");
    REQUIRE(future.valid());
    CHECK_FALSE(future.ready());
    promise.set_value(11);
    CHECK(future.get() == 11);
  });
}

TEST_CASE("a cancelled timed wait throws Cancelled, not timeout", "[future][cancel]") {
  weft::run([] {
    weft::Promise<int> promise;
    auto future = promise.get_future();
    auto waiter = weft::spawn([&] { (void)future.wait_for(10s); });
    weft::this_fiber::yield();
    waiter.cancel();
    CHECK_THROWS_AS(waiter.join(), weft::Cancelled);
    promise.set_value(1);
    CHECK(future.get() == 1);
  });
}

TEST_CASE("a pending cancel does not disturb get of a ready future", "[future][cancel]") {
  weft::run([] {
    auto future = weft::make_ready_future(3);
    auto reader = weft::spawn([&] {
      while (!weft::this_fiber::cancel_requested()) weft::this_fiber::yield();
      int v = future.get();  // ready: no wait, the cancel stays pending
      CHECK(weft::this_fiber::cancel_requested());
      return v;
    });
    reader.cancel();
    CHECK(reader.join() == 3);
  });
}

TEST_CASE("make_ready_future and make_exceptional_future", "[future]") {
  auto a = weft::make_ready_future(std::string("x"));
  CHECK(a.ready());
  CHECK(a.get() == "x");
  auto b = weft::make_ready_future();
  b.get();
  auto c = weft::make_exceptional_future<int>(std::make_exception_ptr(BoomError("e")));
  CHECK_THROWS_AS(c.get(), BoomError);
}

TEST_CASE("a plain thread completes a promise a fiber waits on", "[future][threads]") {
  weft::Promise<int> promise;  // created outside a runtime: cross-thread
  auto future = promise.get_future();
  std::atomic<bool> waiting{false};
  std::thread setter([&] {
    while (!waiting.load()) std::this_thread::yield();
    promise.set_value(21);
  });
  int got = weft::run([&] {
    waiting.store(true);
    return future.get() * 2;
  });
  setter.join();
  CHECK(got == 42);
}

TEST_CASE("cross_thread promises inside a runtime are not reported as deadlocks", "[future][threads]") {
  std::thread setter;
  int got = weft::run([&] {
    weft::Promise<int> promise(weft::cross_thread);
    auto future = promise.get_future();
    setter = std::thread([p = std::move(promise)]() mutable {
      std::this_thread::sleep_for(20ms);  // the runtime goes idle meanwhile
      p.set_value(5);
    });
    return future.get();
  });
  setter.join();
  CHECK(got == 5);
}

TEST_CASE("a future nobody can complete is reported as a deadlock", "[future][deadlock]") {
  std::string report;
  try {
    weft::run([] {
      weft::Promise<int> promise;  // this runtime's promise, held by the blocked fiber
      auto future = promise.get_future();
      (void)future.get();
    });
  } catch (const weft::DeadlockError& e) {
    report = e.what();
  }
  CHECK(report.find("future") != std::string::npos);
}

TEST_CASE("a zero timeout polls without blocking, also outside a fiber", "[future][timeout]") {
  weft::Promise<int> promise;  // made outside any runtime: cross-thread
  weft::Future<int> future = promise.get_future();
  CHECK(future.wait_for(0s) == weft::FutureStatus::timeout);
  CHECK(future.wait_until(weft::now() - 1s) == weft::FutureStatus::timeout);
  std::vector<weft::Future<int>> futures;
  futures.push_back(std::move(future));
  CHECK_FALSE(weft::wait_any_for(futures, 0s).has_value());
  CHECK_THROWS_AS(futures[0].wait_for(1s), weft::UsageError);  // this one would block
  promise.set_value(5);
  CHECK(weft::wait_any_for(futures, 0s) == std::optional<std::size_t>(0));
  CHECK(futures[0].wait_for(0s) == weft::FutureStatus::ready);
  CHECK(futures[0].get() == 5);
}
