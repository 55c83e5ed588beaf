// StopSource / StopToken / StopCallback / CancelOnStop: the flag, callbacks (order,
// registration after the request, deregistration), waking a fiber blocked in get(),
// and requests from another thread.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

TEST_CASE("request_stop sets the flag once", "[stop]") {
  weft::StopSource source;
  weft::StopToken token = source.get_token();
  CHECK(token.stop_possible());
  CHECK_FALSE(token.stop_requested());
  CHECK(source.request_stop());
  CHECK_FALSE(source.request_stop());
  CHECK(token.stop_requested());
  CHECK(source.stop_requested());
  CHECK(token == source.get_token());

  weft::StopToken none;
  CHECK_FALSE(none.stop_possible());
  CHECK_FALSE(none.stop_requested());
}

TEST_CASE("callbacks run in registration order inside request_stop", "[stop]") {
  weft::StopSource source;
  std::vector<int> calls;
  weft::StopCallback a(source.get_token(), [&] { calls.push_back(1); });
  weft::StopCallback b(source.get_token(), [&] { calls.push_back(2); });
  std::optional<weft::StopCallback<std::function<void()>>> gone;
  gone.emplace(source.get_token(), [&] { calls.push_back(99); });
  gone.reset();  // deregistered: never runs
  CHECK(calls.empty());
  source.request_stop();
  CHECK(calls == std::vector<int>{1, 2});
  source.request_stop();
  CHECK(calls == std::vector<int>{1, 2});
}

TEST_CASE("a callback registered after the request runs at once", "[stop]") {
  weft::StopSource source;
  source.request_stop();
  int calls = 0;
  weft::StopCallback late(source.get_token(), [&] { ++calls; });
  CHECK(calls == 1);
  weft::StopCallback none(weft::StopToken{}, [&] { ++calls; });
  CHECK(calls == 1);
}

TEST_CASE("a callback may destroy its own registration", "[stop]") {
  weft::StopSource source;
  int calls = 0;
  std::optional<weft::StopCallback<std::function<void()>>> self;
  self.emplace(source.get_token(), [&] {
    ++calls;
    self.reset();
  });
  source.request_stop();
  CHECK(calls == 1);
  CHECK_FALSE(self.has_value());
}

TEST_CASE("CancelOnStop wakes a fiber blocked in Future::get", "[stop][cancel]") {
  weft::run([] {
    weft::StopSource stop;
    weft::Promise<int> promise;
    auto future = promise.get_future();
    auto waiter = weft::spawn([&, token = stop.get_token()] {
      weft::CancelOnStop guard(token);
      return future.get();
    });
    weft::this_fiber::yield();  // the waiter parks in get()
    stop.request_stop();
    CHECK_THROWS_AS(waiter.join(), weft::Cancelled);
    promise.set_value(4);  // the state survived the cancelled wait
    CHECK(future.get() == 4);
  });
}

TEST_CASE("CancelOnStop on an already stopped token cancels the next wait", "[stop][cancel]") {
  weft::run([] {
    weft::StopSource stop;
    stop.request_stop();
    weft::Promise<int> promise;
    auto future = promise.get_future();
    weft::CancelOnStop guard(stop.get_token());
    CHECK_THROWS_AS(future.get(), weft::Cancelled);
  });
}

TEST_CASE("a StopCallback can cancel another fiber through its JoinHandle", "[stop][cancel]") {
  weft::run([] {
    weft::StopSource stop;
    weft::Promise<void> never;
    auto future = never.get_future();
    auto waiter = weft::spawn([&] { future.wait(); });
    weft::StopCallback cancel(stop.get_token(), [&] { waiter.cancel(); });
    weft::this_fiber::yield();
    stop.request_stop();
    CHECK_THROWS_AS(waiter.join(), weft::Cancelled);
  });
}

TEST_CASE("a stop request from another thread wakes a blocked fiber", "[stop][threads]") {
  weft::StopSource stop;
  std::atomic<bool> parked{false};
  std::thread requester([&] {
    while (!parked.load()) std::this_thread::yield();
    std::this_thread::sleep_for(5ms);  // let the fiber reach its wait (either way is fine)
    stop.request_stop();
  });
  bool cancelled = weft::run([&] {
    weft::Promise<int> promise(weft::cross_thread);  // woken from outside: not a deadlock
    auto future = promise.get_future();
    weft::CancelOnStop guard(stop.get_token());
    parked.store(true);
    try {
      (void)future.get();
    } catch (const weft::Cancelled&) {
      return true;
    }
    return false;
  });
  requester.join();
  CHECK(cancelled);
}

TEST_CASE("the callback destructor waits for a callback running on another thread", "[stop][threads]") {
  for (int round = 0; round < 50; ++round) {
    weft::StopSource stop;
    std::atomic<int> state{0};  // 0 idle, 1 running, 2 finished
    auto callback = std::make_unique<weft::StopCallback<std::function<void()>>>(
        stop.get_token(), [&] {
          state.store(1);
          std::this_thread::sleep_for(1ms);
          state.store(2);
        });
    std::thread requester([&] { stop.request_stop(); });
    while (state.load() == 0 && !stop.stop_requested()) std::this_thread::yield();
    callback.reset();  // must not return while the callback runs
    int seen = state.load();
    requester.join();
    CHECK(seen != 1);
  }
}
