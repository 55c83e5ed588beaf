// weft::blocking and spawn_blocking: work on the blocking pool while the fiber parks
// and its worker runs the others; values, exceptions, timeouts, cancellation, the
// pool's growth, bound and shrinking, and its end with the runtime.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/blocking.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

weft::RuntimeOptions pool_of(std::size_t threads, weft::Duration idle_timeout = 10s) {
  weft::RuntimeOptions options;
  options.blocking_threads = threads;
  options.blocking_idle_timeout = idle_timeout;
  return options;
}

}  // namespace

TEST_CASE("blocking returns fn's value while the worker runs the other fibers", "[blocking]") {
  weft::run([] {
    std::atomic<bool> done{false};
    int ticks = 0;
    auto ticker = weft::spawn([&] {
      while (!done.load()) {
        ++ticks;
        weft::this_fiber::sleep_for(5ms);
      }
    });
    const std::thread::id worker_thread = std::this_thread::get_id();
    const auto [value, ran_on] = weft::blocking([] {
      std::this_thread::sleep_for(150ms);  // would stall the worker if run on it
      return std::pair{42, std::this_thread::get_id()};
    });
    done = true;
    ticker.join();
    CHECK(value == 42);
    CHECK(ran_on != worker_thread);
    CHECK(ticks >= 5);  // about 30 if the machine is not too busy
  });
}

TEST_CASE("blocking rethrows fn's exception and takes move-only callables and results", "[blocking]") {
  weft::run([] {
    CHECK_THROWS_MATCHES(weft::blocking([]() -> int { throw std::out_of_range("page 9"); }),
                         std::out_of_range, Catch::Matchers::Message("page 9"));
    auto owned = std::make_unique<int>(7);
    std::unique_ptr<int> back = weft::blocking([p = std::move(owned)]() mutable { return std::move(p); });
    REQUIRE(back);
    CHECK(*back == 7);
    std::atomic<int> side{0};
    weft::blocking([&] { side = 1; });  // void
    CHECK(side == 1);
  });
}

TEST_CASE("blocking jobs run in parallel, up to the pool's bound", "[blocking]") {
  auto run_eight = [](std::size_t threads) {
    weft::Runtime runtime(pool_of(threads));
    const auto started = Clock::now();
    runtime.run([] {
      std::vector<weft::JoinHandle<void>> fibers;
      for (int i = 0; i < 8; ++i)
        fibers.push_back(weft::spawn([] { weft::blocking([] { std::this_thread::sleep_for(100ms); }); }));
      for (auto& f : fibers) f.join();
    });
    const auto took = Clock::now() - started;
    // A job is counted once its thread is done with it, just after its fiber resumed.
    auto& pool = runtime.scheduler().blocking_pool();
    for (const auto give_up = Clock::now() + 2s; pool.stats().completed < 8 && Clock::now() < give_up;)
      std::this_thread::sleep_for(1ms);
    return std::pair{took, pool.stats()};
  };
  const auto [wide, wide_stats] = run_eight(8);
  CHECK(wide < 700ms);  // 800 ms if run one after another
  CHECK(wide_stats.peak_threads == 8);
  CHECK(wide_stats.completed == 8);
  const auto [narrow, narrow_stats] = run_eight(2);
  CHECK(narrow >= 400ms);  // four rounds of two
  CHECK(narrow_stats.peak_threads == 2);
  CHECK(narrow_stats.completed == 8);
}

TEST_CASE("idle pool threads exit after the idle timeout", "[blocking]") {
  weft::Runtime runtime(pool_of(4, 30ms));
  runtime.run([&] {
    std::vector<weft::Future<int>> jobs;
    for (int i = 0; i < 3; ++i) jobs.push_back(weft::spawn_blocking([i] {
      std::this_thread::sleep_for(20ms);
      return i;
    }));
    for (auto& j : jobs) (void)j.get();
    CHECK(runtime.scheduler().blocking_pool().stats().threads == 3);
    const auto deadline = Clock::now() + 5s;
    while (runtime.scheduler().blocking_pool().stats().threads != 0 && Clock::now() < deadline)
      weft::this_fiber::sleep_for(10ms);
    CHECK(runtime.scheduler().blocking_pool().stats().threads == 0);
    CHECK(weft::blocking([] { return 5; }) == 5);  // and it grows again
  });
}

TEST_CASE("spawn_blocking's future has a timeout form", "[blocking]") {
  weft::run([] {
    weft::Future<std::string> slow = weft::spawn_blocking([] {
      std::this_thread::sleep_for(200ms);
      return std::string("late");
    });
    CHECK(slow.wait_for(20ms) == weft::FutureStatus::timeout);
    CHECK(slow.get() == "late");
  });
}

TEST_CASE("a fiber cancelled in blocking() returns at once; the job still ends before the runtime", "[blocking]") {
  std::atomic<bool> job_finished{false};
  {
    weft::Runtime runtime;
    runtime.run([&] {
      auto waiter = weft::spawn([&] {
        weft::blocking([&] {
          std::this_thread::sleep_for(200ms);
          job_finished = true;
        });
      });
      weft::this_fiber::sleep_for(20ms);
      const auto cancelled_at = Clock::now();
      waiter.cancel();
      CHECK_THROWS_AS(waiter.join(), weft::Cancelled);
      CHECK(Clock::now() - cancelled_at < 150ms);
      CHECK_FALSE(job_finished.load());
    });
  }  // the runtime's pool waits for the job
  CHECK(job_finished.load());
}

TEST_CASE("blocking outside a fiber is a usage error", "[blocking]") {
  CHECK_THROWS_AS(weft::blocking([] { return 1; }), weft::UsageError);
}

TEST_CASE("under the checker, blocking runs fn in the calling fiber", "[blocking][checker]") {
  weft::check::Options options;
  options.iterations = 200;
  options.from_env = false;
  options.print_failure = false;
  int inline_runs = 0;
  const auto report = weft::check::explore(options, [&] {
    const std::thread::id here = std::this_thread::get_id();
    weft::check::Atomic<int> total{0};
    auto other = weft::spawn([&] { total.fetch_add(weft::blocking([] { return 2; })); });
    total.fetch_add(weft::blocking([&] { return std::this_thread::get_id() == here ? 1 : 100; }));
    other.join();
    WEFT_ASSERT(total.load() == 3);
    ++inline_runs;
  });
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(inline_runs == 200);
}
