// when_all, when_any, wait_any and as_completed: results, exceptions, completion order
// (forced by setting futures one after another), timeouts and cancellation.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include <weft/weft.hpp>

#include "support/workers.hpp"

using namespace std::chrono_literals;

namespace {

struct BoomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A future set to `value` by a fiber after `delay`.
template <class T>
weft::Future<T> after(std::chrono::milliseconds delay, T value) {
  // spawn needs a copyable function: share the promise.
  auto promise = std::make_shared<weft::Promise<T>>();
  auto future = promise->get_future();
  weft::spawn([promise, delay, value] {
    weft::this_fiber::sleep_for(delay);
    promise->set_value(value);
  }).detach();
  return future;
}

// Sleeps of different lengths: index 0 likely finishes last, index 1 first.
const std::vector<std::chrono::milliseconds> kDelays{30ms, 5ms, 15ms};
// That order, forced by Sequence.
const std::vector<std::size_t> kCompletionOrder{1, 2, 0};

// Futures completed one after another in the order they were made, each by a fiber of its
// own: the first after a few milliseconds (its waiter parks first), every later one once
// the previous is set. On several workers sleeps of different lengths only make an order
// likely (a worker may run a timer late).
class Sequence {
 public:
  template <class T>
  weft::Future<T> value(T v) {
    return next<T>([v](weft::Promise<T>& p) { p.set_value(v); });
  }
  weft::Future<int> failure(std::string what) {
    return next<int>([what](weft::Promise<int>& p) { p.set_exception(std::make_exception_ptr(BoomError(what))); });
  }

 private:
  template <class T, class Set>
  weft::Future<T> next(Set set) {
    auto promise = std::make_shared<weft::Promise<T>>();
    auto future = promise->get_future();
    auto done = std::make_shared<weft::Event>();
    weft::spawn([promise, set, previous = last_, done] {
      if (previous)
        previous->wait();
      else
        weft::this_fiber::sleep_for(5ms);
      set(*promise);
      done->set();
    }).detach();
    last_ = done;
    return future;
  }

  std::shared_ptr<weft::Event> last_;
};

// Futures of 0, 1, 2 (input order) completed in kCompletionOrder.
std::vector<weft::Future<int>> in_completion_order() {
  std::vector<weft::Future<int>> futures(kCompletionOrder.size());
  Sequence sequence;
  for (std::size_t i : kCompletionOrder) futures[i] = sequence.value(int(i));
  return futures;
}

}  // namespace

TEST_CASE("when_all of a vector gives the values in input order", "[when_all]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures;
    for (std::size_t i = 0; i < kDelays.size(); ++i) futures.push_back(after(kDelays[i], int(i)));
    weft::Future<std::vector<int>> all = weft::when_all(std::move(futures));
    CHECK(all.get() == std::vector<int>{0, 1, 2});
  });
}

TEST_CASE("when_all of an empty vector is ready at once", "[when_all]") {
  weft::run([] {
    auto all = weft::when_all(std::vector<weft::Future<int>>{});
    CHECK(all.get().empty());
  });
}

TEST_CASE("when_all holds the exception of the first failing input", "[when_all]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures(3);
    Sequence sequence;
    futures[2] = sequence.failure("third");   // fails first ...
    futures[0] = sequence.value(1);
    futures[1] = sequence.failure("second");  // ... this one last
    auto all = weft::when_all(std::move(futures));
    CHECK_THROWS_MATCHES(all.get(), BoomError, Catch::Matchers::Message("second"));
  });
}

TEST_CASE("when_all of void futures", "[when_all]") {
  weft::run([] {
    std::atomic<int> done{0};  // atomic: the setters run on several workers
    std::vector<weft::Future<void>> futures;
    for (int i = 0; i < 3; ++i) {
      auto p = std::make_shared<weft::Promise<void>>();
      futures.push_back(p->get_future());
      weft::spawn([&done, p] {
        ++done;
        p->set_value();
      }).detach();
    }
    weft::when_all(std::move(futures)).get();
    CHECK(done == 3);
  });
}

TEST_CASE("variadic when_all gives a tuple", "[when_all]") {
  weft::run([] {
    weft::Promise<void> unit;
    unit.set_value();
    auto all = weft::when_all(after(10ms, 1), after(1ms, std::string("two")), unit.get_future());
    auto [a, b, c] = all.get();
    CHECK(a == 1);
    CHECK(b == "two");
    CHECK(std::is_same_v<decltype(c), std::monostate>);
  });
}

TEST_CASE("variadic when_all rethrows the first failure in argument order", "[when_all]") {
  weft::run([] {
    Sequence sequence;
    auto a = sequence.value(1);
    auto c = sequence.failure("c");  // fails first
    auto b = sequence.failure("b");
    auto all = weft::when_all(std::move(a), std::move(b), std::move(c));
    CHECK_THROWS_MATCHES(all.get(), BoomError, Catch::Matchers::Message("b"));
  });
}

TEST_CASE("when_all rejects invalid inputs", "[when_all]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures(2);
    CHECK_THROWS_AS(weft::when_all(std::move(futures)), weft::UsageError);
  });
}

TEST_CASE("when_any reports the first future to complete", "[when_any]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures(kCompletionOrder.size());
    Sequence sequence;
    for (std::size_t i : kCompletionOrder) futures[i] = sequence.value(int(i * 10));
    auto any = weft::when_any(std::move(futures));
    weft::WhenAnyResult<int> result = any.get();
    CHECK(result.index == kCompletionOrder.front());
    REQUIRE(result.futures.size() == 3);
    CHECK(result.futures[result.index].get() == int(result.index * 10));
    result.futures.erase(result.futures.begin() + std::ptrdiff_t(result.index));
    CHECK(weft::when_all(std::move(result.futures)).get().size() == 2);
  });
}

TEST_CASE("when_any counts a failed input as ready", "[when_any]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures(2);
    Sequence sequence;
    futures[1] = sequence.failure("fast");
    futures[0] = sequence.value(1);
    auto result = weft::when_any(std::move(futures)).get();
    CHECK(result.index == 1);
    CHECK_THROWS_AS(result.futures[1].get(), BoomError);
    CHECK(result.futures[0].get() == 1);
  });
}

TEST_CASE("when_any of nothing is a UsageError", "[when_any]") {
  weft::run([] { CHECK_THROWS_AS(weft::when_any(std::vector<weft::Future<int>>{}), weft::UsageError); });
}

TEST_CASE("wait_any returns the earliest completed of the ready futures", "[wait_any]") {
  weft::run([] {
    std::vector<weft::Promise<int>> promises(3);
    std::vector<weft::Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    promises[2].set_value(2);
    promises[0].set_value(0);
    CHECK(weft::wait_any(futures) == 2);  // completed first, though index 0 is lower
  });
}

TEST_CASE("wait_any parks until the first completion", "[wait_any]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures = in_completion_order();
    CHECK(weft::wait_any(futures) == kCompletionOrder.front());
    CHECK(futures[kCompletionOrder.front()].ready());
    CHECK(weft::when_all(std::move(futures)).get().size() == 3);
  });
}

TEST_CASE("wait_any times out", "[wait_any][timeout]") {
  weft::run([] {
    std::vector<weft::Promise<int>> promises(2);
    std::vector<weft::Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    auto start = weft::now();
    CHECK_FALSE(weft::wait_any_for(futures, 20ms).has_value());
    CHECK(weft::now() - start >= 20ms);
    CHECK_FALSE(weft::wait_any_until(futures, weft::now()).has_value());
    promises[1].set_value(1);
    CHECK(weft::wait_any_for(futures, 10s) == std::optional<std::size_t>(1));
  });
}

TEST_CASE("a cancelled wait_any throws Cancelled and unlinks from every future", "[wait_any][cancel]") {
  weft::run([] {
    std::vector<weft::Promise<int>> promises(3);
    std::vector<weft::Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    weft_test::ParkWatch watch;
    auto waiter = weft::spawn([&] {
      watch.publish();
      (void)weft::wait_any(futures);
    });
    REQUIRE(watch.yield_until_parked());  // linked to every future
    waiter.cancel();
    CHECK_THROWS_AS(waiter.join(), weft::Cancelled);
    // Completing now must not touch the waiter's (gone) nodes.
    for (std::size_t i = 0; i < promises.size(); ++i) promises[i].set_value(int(i));
    for (std::size_t i = 0; i < futures.size(); ++i) CHECK(futures[i].get() == int(i));
  });
}

TEST_CASE("as_completed visits futures in completion order", "[as_completed]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures = in_completion_order();
    std::vector<std::size_t> order;
    for (weft::Future<int>& f : weft::as_completed(futures)) order.push_back(std::size_t(f.get()));
    CHECK(order == kCompletionOrder);
  });
}

TEST_CASE("as_completed yields already completed futures in completion order", "[as_completed]") {
  weft::run([] {
    std::vector<weft::Promise<int>> promises(4);
    std::vector<weft::Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    for (std::size_t i : {3u, 1u, 0u, 2u}) promises[i].set_value(int(i));
    std::vector<int> order;
    auto range = weft::as_completed(futures);
    for (auto it = range.begin(); it != range.end(); ++it) {
      CHECK(int(it.index()) == it->get());
      order.push_back(int(it.index()));
    }
    CHECK(order == std::vector<int>{3, 1, 0, 2});
  });
}

TEST_CASE("as_completed passes failures through", "[as_completed]") {
  weft::run([] {
    std::vector<weft::Future<int>> futures(2);
    Sequence sequence;
    futures[1] = sequence.failure("bad");
    futures[0] = sequence.value(1);
    int values = 0, failures = 0;
    for (auto& f : weft::as_completed(futures)) {
      try {
        values += f.get();
      } catch (const BoomError&) {
        CHECK(values == 0);  // the failure completed first
        ++failures;
      }
    }
    CHECK(values == 1);
    CHECK(failures == 1);
  });
}

TEST_CASE("as_completed next_until times out and resumes after a cancel", "[as_completed][cancel]") {
  weft::run([] {
    std::vector<weft::Promise<int>> promises(2);
    std::vector<weft::Future<int>> futures;
    for (auto& p : promises) futures.push_back(p.get_future());
    weft::AsCompleted<int> range(futures);
    CHECK_FALSE(range.next_until(weft::now() + 5ms).has_value());
    CHECK(range.remaining() == 2);

    weft_test::ParkWatch watch;
    auto waiter = weft::spawn([&] {
      watch.publish();
      return range.next();
    });
    REQUIRE(watch.yield_until_parked());
    waiter.cancel();
    CHECK_THROWS_AS(waiter.join(), weft::Cancelled);

    promises[1].set_value(1);
    CHECK(range.next() == std::optional<std::size_t>(1));
    promises[0].set_value(0);
    CHECK(range.next() == std::optional<std::size_t>(0));
    CHECK_FALSE(range.next().has_value());
    CHECK(range.remaining() == 0);
  });
}

TEST_CASE("as_completed over an empty vector yields nothing", "[as_completed]") {
  weft::run([] {
    std::vector<weft::Future<int>> none;
    int n = 0;
    for (auto& f : weft::as_completed(none)) {
      (void)f;
      ++n;
    }
    CHECK(n == 0);
  });
}
