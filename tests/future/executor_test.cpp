// Executor: submit, exceptions, the queue bound (try_submit and a parked submit), map
// order and failures, shutdown in drain and cancel mode, the destructor, misuse.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

#include "support/workers.hpp"

using namespace std::chrono_literals;
using weft_test::yield_until;

namespace {

struct BoomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Fills `pool`, of one worker and a queue of one: the worker runs a task until `gate` is
// set, a second task waits in the queue, and the next submit parks. Returns the futures of
// the running and the queued task.
std::pair<weft::Future<void>, weft::Future<void>> fill(weft::Executor& pool,
                                                        weft::Promise<void>& gate) {
  auto busy = pool.submit([g = gate.get_future()]() mutable { g.get(); });
  REQUIRE(yield_until([&] { return pool.active() == 1; }));
  return {std::move(busy), pool.submit([] {})};
}

}  // namespace

TEST_CASE("submit returns the task's result", "[executor]") {
  weft::run([] {
    weft::Executor pool(2);
    CHECK(pool.workers() == 2);
    auto a = pool.submit([] { return 6 * 7; });
    auto b = pool.submit([] { return std::string("text"); });
    bool ran = false;
    auto c = pool.submit([&] { ran = true; });
    CHECK(a.get() == 42);
    CHECK(b.get() == "text");
    c.get();
    CHECK(ran);
  });
}

TEST_CASE("a task's exception surfaces at its future only", "[executor]") {
  weft::run([] {
    weft::Executor pool(2);
    auto bad = pool.submit([]() -> int { throw BoomError("task failed"); });
    auto good = pool.submit([] { return 1; });
    CHECK_THROWS_MATCHES(bad.get(), BoomError, Catch::Matchers::Message("task failed"));
    CHECK(good.get() == 1);
  });
}

TEST_CASE("tasks run on the worker fibers and may block", "[executor]") {
  weft::run([] {
    weft::Executor pool(weft::ExecutorOptions{.workers = 3, .queue_capacity = 8, .name = "pool"});
    std::vector<weft::Future<std::string>> names;
    for (int i = 0; i < 6; ++i)
      names.push_back(pool.submit([] {
        weft::this_fiber::sleep_for(1ms);
        return weft::this_fiber::name();
      }));
    for (auto& f : names) CHECK(f.get().rfind("pool-", 0) == 0);
  });
}

TEST_CASE("the queue bound: try_submit refuses and submit parks when full", "[executor][bound]") {
  weft::run([] {
    weft::Executor pool(1, 2);
    CHECK(pool.capacity() == 2);
    weft::Promise<void> gate;
    std::vector<int> ran;  // plain: the pool's one worker fiber runs the tasks one by one
    auto first = pool.submit([&ran, g = gate.get_future()]() mutable {
      g.get();
      ran.push_back(0);
    });
    REQUIRE(yield_until([&] { return pool.active() == 1; }));  // the worker holds task 0
    auto second = pool.submit([&] { ran.push_back(1); });
    auto third = pool.submit([&] { ran.push_back(2); });
    CHECK(pool.queued() == 2);

    auto refused = pool.try_submit([&] { ran.push_back(-1); });
    CHECK_FALSE(refused.has_value());

    std::atomic<bool> accepted{false};  // read while the submitter may run on another worker
    weft_test::ParkWatch watch;
    auto submitter = weft::spawn([&] {
      watch.publish();
      auto f = pool.submit([&] { ran.push_back(3); });
      accepted = true;
      return f;
    });
    REQUIRE(watch.yield_until_parked());
    CHECK_FALSE(accepted);  // parked: the queue is still full
    CHECK(pool.queued() == 2);

    gate.set_value();
    auto fourth = submitter.join();
    CHECK(accepted);
    first.get();
    second.get();
    third.get();
    fourth.get();
    CHECK(ran == std::vector<int>{0, 1, 2, 3});
    auto later = pool.try_submit([] { return 5; });
    REQUIRE(later.has_value());
    CHECK(later->get() == 5);
  });
}

TEST_CASE("a submitter parked on a full queue can be cancelled", "[executor][bound][cancel]") {
  weft::run([] {
    weft::Executor pool(1, 1);
    weft::Promise<void> gate;
    auto [busy, queued] = fill(pool, gate);
    std::atomic<bool> ran{false};
    weft_test::ParkWatch watch;
    auto submitter = weft::spawn([&] {
      watch.publish();
      (void)pool.submit([&] { ran = true; });
    });
    REQUIRE(watch.yield_until_parked());  // in submit, on the full queue
    submitter.cancel();
    CHECK_THROWS_AS(submitter.join(), weft::Cancelled);
    gate.set_value();
    busy.get();
    queued.get();
    pool.shutdown();
    CHECK_FALSE(ran);
  });
}

TEST_CASE("a submitter parked on a full queue gets UsageError at shutdown", "[executor][bound][shutdown]") {
  weft::run([] {
    weft::Executor pool(1, 1);
    weft::Promise<void> gate;
    auto [busy, queued] = fill(pool, gate);
    weft_test::ParkWatch watch;
    auto submitter = weft::spawn([&] {
      watch.publish();
      (void)pool.submit([] {});
    });
    REQUIRE(watch.yield_until_parked());
    CHECK_FALSE(submitter.finished());
    pool.shutdown(weft::ShutdownMode::cancel);
    CHECK_THROWS_AS(submitter.join(), weft::UsageError);
    CHECK_THROWS_AS(busy.get(), weft::Cancelled);
    CHECK_THROWS_AS(queued.get(), weft::TaskCancelled);
  });
}

TEST_CASE("map returns results in input order", "[executor][map]") {
  weft::run([] {
    weft::Executor pool(4);
    std::vector<int> inputs{5, 4, 3, 2, 1, 0};
    std::vector<int> finish_order;
    weft::Mutex finish_order_lock;  // the pool's workers run on several kernel workers
    // Larger inputs sleep longer, so tasks finish roughly in reverse input order.
    auto results = pool.map(
        [&](int x) {
          weft::this_fiber::sleep_for(std::chrono::milliseconds(2 * x));
          std::lock_guard guard(finish_order_lock);
          finish_order.push_back(x);
          return x * x;
        },
        inputs);
    CHECK(results == std::vector<int>{25, 16, 9, 4, 1, 0});
    CHECK_THAT(finish_order, Catch::Matchers::UnorderedEquals(inputs));  // each ran once
  });
}

TEST_CASE("map rethrows the first failing element after all finished", "[executor][map]") {
  weft::run([] {
    weft::Executor pool(3);
    std::atomic<int> finished{0};
    std::vector<int> inputs{0, 1, 2, 3, 4, 5, 6, 7};
    auto call = [&] {
      (void)pool.map(
          [&](int x) {
            weft::this_fiber::sleep_for(std::chrono::milliseconds(8 - x));
            ++finished;
            if (x == 5 || x == 3) throw BoomError("element " + std::to_string(x));
            return x;
          },
          inputs);
    };
    CHECK_THROWS_MATCHES(call(), BoomError, Catch::Matchers::Message("element 3"));
    CHECK(finished.load() == 8);
  });
}

TEST_CASE("map accepts any input range and void functions", "[executor][map]") {
  weft::run([] {
    weft::Executor pool(2, 1);  // a tiny queue: map parks while submitting
    std::atomic<int> sum{0};  // atomic: the pool's two workers add at the same time
    pool.map([&](int x) { sum += x; }, std::vector<int>{1, 2, 3, 4, 5});
    CHECK(sum == 15);
    auto lengths = pool.map([](const std::string& s) { return s.size(); },
                            std::vector<std::string>{"a", "bb", "ccc"});
    CHECK(lengths == std::vector<std::size_t>{1, 2, 3});
  });
}

TEST_CASE("shutdown(drain) runs every queued task", "[executor][shutdown]") {
  weft::run([] {
    weft::Executor pool(1, 16);
    std::vector<int> ran;  // plain: the pool's one worker fiber runs the tasks one by one
    std::vector<weft::Future<int>> futures;
    for (int i = 0; i < 10; ++i)
      futures.push_back(pool.submit([&ran, i] {
        weft::this_fiber::yield();
        ran.push_back(i);
        return i;
      }));
    pool.shutdown(weft::ShutdownMode::drain);
    CHECK(pool.is_shutdown());
    CHECK(ran.size() == 10);
    for (int i = 0; i < 10; ++i) {
      REQUIRE(futures[i].ready());
      CHECK(futures[i].get() == i);
    }
    CHECK_FALSE(pool.stop_token().stop_requested());
    CHECK_THROWS_AS(pool.submit([] {}), weft::UsageError);
    CHECK_THROWS_AS(pool.try_submit([] {}), weft::UsageError);
    pool.shutdown();  // again: only waits
  });
}

TEST_CASE("shutdown(cancel) drops queued tasks and cancels running ones", "[executor][shutdown][cancel]") {
  weft::run([] {
    weft::Executor pool(2, 16);
    weft::Promise<int> never;  // kept alive, never set
    auto blocked = pool.submit([f = never.get_future()]() mutable { return f.get(); });
    auto token = pool.stop_token();
    auto polling = pool.submit([token] {
      int spins = 0;
      while (!token.stop_requested()) {
        ++spins;
        weft::this_fiber::yield();
      }
      return spins;
    });
    REQUIRE(yield_until([&] { return pool.active() == 2; }));
    std::atomic<int> ran{0};  // atomic: a broken shutdown could run them on two workers
    std::vector<weft::Future<void>> queued;
    for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([&] { ++ran; }));
    CHECK(pool.queued() == 5);

    pool.shutdown(weft::ShutdownMode::cancel);

    CHECK(ran == 0);
    CHECK(token.stop_requested());
    CHECK_THROWS_AS(blocked.get(), weft::Cancelled);
    CHECK(polling.get() >= 0);  // saw the stop request and returned normally
    for (auto& f : queued) CHECK_THROWS_AS(f.get(), weft::TaskCancelled);
    CHECK(pool.queued() == 0);
    CHECK(pool.active() == 0);
    CHECK_THROWS_AS(pool.submit([] {}), weft::UsageError);
  });
}

TEST_CASE("shutdown(cancel) after drain escalates", "[executor][shutdown][cancel]") {
  weft::run([] {
    auto pool = std::make_unique<weft::Executor>(1, 4);
    weft::Promise<void> never;
    auto blocked = pool->submit([f = never.get_future()]() mutable { f.get(); });
    auto queued = pool->submit([] {});
    weft_test::ParkWatch watch;
    auto drainer = weft::spawn([&] {
      watch.publish();
      pool->shutdown(weft::ShutdownMode::drain);
    });
    REQUIRE(watch.yield_until_parked());  // in the drain
    CHECK(pool->is_shutdown());
    CHECK_FALSE(drainer.finished());  // the blocked task keeps the drain waiting
    pool->shutdown(weft::ShutdownMode::cancel);
    drainer.join();
    CHECK_THROWS_AS(blocked.get(), weft::Cancelled);
    CHECK_THROWS_AS(queued.get(), weft::TaskCancelled);
  });
}

TEST_CASE("the destructor drains the queue", "[executor][shutdown]") {
  weft::run([] {
    std::atomic<int> ran{0};  // atomic: the pool's two workers count at the same time
    std::vector<weft::Future<void>> futures;
    {
      weft::Executor pool(2, 32);
      for (int i = 0; i < 20; ++i)
        futures.push_back(pool.submit([&] {
          weft::this_fiber::yield();
          ++ran;
        }));
    }
    CHECK(ran == 20);
    for (auto& f : futures) CHECK(f.ready());
  });
}

TEST_CASE("shutdown from one of the executor's own tasks is a UsageError", "[executor][shutdown]") {
  weft::run([] {
    weft::Executor pool(1);
    auto f = pool.submit([&] { pool.shutdown(); });
    CHECK_THROWS_AS(f.get(), weft::UsageError);
  });
}

TEST_CASE("bad executor options are UsageErrors", "[executor]") {
  weft::run([] {
    CHECK_THROWS_AS(weft::Executor(0), weft::UsageError);
    CHECK_THROWS_AS(weft::Executor(1, 0), weft::UsageError);
  });
  CHECK_THROWS_AS(weft::Executor(1), weft::UsageError);  // outside a runtime
}

TEST_CASE("as_completed over executor futures follows completion", "[executor][as_completed]") {
  weft::run([] {
    weft::Executor pool(4);
    std::vector<weft::Future<int>> futures;
    // Each task waits for its gate; opening them one at a time, in an order other than
    // the input order, forces the completion order (sleeps would only make it likely on
    // several workers, where a timer may run late).
    const int values[] = {40, 10, 25, 1};
    std::vector<weft::Promise<void>> gates(4);
    for (std::size_t i = 0; i < 4; ++i)
      futures.push_back(pool.submit([v = values[i], g = gates[i].get_future()]() mutable {
        g.get();
        return v;
      }));
    const std::size_t opening_order[] = {3, 1, 2, 0};
    std::size_t opened = 0;
    gates[opening_order[opened++]].set_value();
    std::vector<int> order;
    for (auto& f : weft::as_completed(futures)) {
      order.push_back(f.get());
      if (opened < 4) gates[opening_order[opened++]].set_value();
    }
    CHECK(order == std::vector<int>{1, 10, 25, 40});
  });
}

TEST_CASE("a run stuck with an executor is reported as a deadlock and unwinds", "[executor][deadlock]") {
  std::string report;
  std::atomic<int> ran{0};
  try {
    weft::run([&] {
      weft::Executor pool(2);
      auto done = pool.submit([&] { ++ran; });
      done.get();
      weft::Promise<int> never;
      (void)never.get_future().get();  // nobody can set it: every fiber blocks
    });
  } catch (const weft::DeadlockError& e) {
    report = e.what();
  }
  CHECK(ran == 1);
  CHECK(report.find("executor worker idle") != std::string::npos);
  CHECK(report.find("future") != std::string::npos);
}

TEST_CASE("a cancellation left over from one task does not reach the next", "[executor][cancel]") {
  weft::run([] {
    weft::Executor pool(1, 8);
    weft::StopSource a_stop;
    weft::Promise<void> gate;
    std::atomic<bool> a_past_wait{false};
    auto a = pool.submit([t = a_stop.get_token(), g = gate.get_future(), &a_past_wait]() mutable {
      weft::CancelOnStop cancel_a(t);  // stopping a_stop cancels the fiber running A
      g.get();
      a_past_wait = true;
      // The stop lands here, after A's last wait.
      while (!t.stop_requested()) weft::this_fiber::yield();
      return std::string("A done");
    });
    auto b = pool.submit([] {  // knows nothing of a_stop
      weft::this_fiber::sleep_for(1ms);
      return std::string("B done");
    });
    while (pool.active() != 1) weft::this_fiber::yield();
    gate.set_value();
    REQUIRE(yield_until([&] { return a_past_wait.load(); }));  // A woke from g.get()
    a_stop.request_stop();
    CHECK(a.get() == "A done");
    CHECK(b.get() == "B done");
  });
}

TEST_CASE("a submitter parked on another thread outlives shutdown and destruction",
          "[executor][threads]") {
  // Runtime A shuts the executor down and destroys it while a fiber of runtime B is
  // parked in submit(); B's fiber must get its UsageError without touching freed memory
  // (use after free here shows under ASan).
  std::atomic<weft::Executor*> shared{nullptr};
  std::atomic<bool> parked{false}, destroyed{false};
  std::atomic<int> refused{0};
  std::atomic<bool> submitter_parked{false};  // checked here: Catch2 asserts on this thread only
  std::thread a([&] {
    weft::run([&] {
      auto* pool = new weft::Executor(
          weft::ExecutorOptions{.workers = 1, .queue_capacity = 1, .remote_submitters = true});
      weft::Promise<void> gate(weft::cross_thread);
      auto busy = pool->submit([g = gate.get_future()]() mutable { g.get(); });
      while (pool->active() != 1) weft::this_fiber::yield();
      auto queued = pool->submit([] {});  // the queue is full now
      shared = pool;
      while (!parked) weft::this_fiber::sleep_for(1ms);
      weft::this_fiber::sleep_for(20ms);  // B's submitter parks meanwhile
      pool->shutdown(weft::ShutdownMode::cancel);
      delete pool;
      destroyed = true;
    });
  });
  std::thread b([&] {
    weft::run([&] {
      while (!shared) std::this_thread::sleep_for(1ms);
      weft_test::ParkWatch watch;
      auto submitter = weft::spawn([&] {
        watch.publish();
        try {
          (void)shared.load()->submit([] {});
        } catch (const weft::UsageError&) {
          ++refused;
        }
      });
      submitter_parked = watch.yield_until_parked();  // it runs and parks in submit
      parked = true;
      // Keep this thread from running the woken submitter until the executor is gone
      // (on several workers another one may run it earlier: that must be safe too).
      const auto until = std::chrono::steady_clock::now() + 5s;
      while (!destroyed && std::chrono::steady_clock::now() < until) {
      }
      submitter.join();
    });
  });
  a.join();
  b.join();
  CHECK(submitter_parked);
  CHECK(refused == 1);
}
