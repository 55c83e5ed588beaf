// weft::Ticker, weft::PeriodicTimer and weft::Timer. Time bounds are tolerant: lower
// bounds are exact (timers never fire early), upper bounds generous.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft_test::let_others_run;
using weft_test::ms_since;

TEST_CASE("Ticker: ticks at multiples of the period", "[ticker]") {
  weft::run([] {
    weft::Ticker ticker(5ms);
    const weft::TimePoint start = weft::now();
    std::uint64_t ticks = 0;
    while (ticks < 4) {
      const std::uint64_t n = ticker.wait_tick();
      REQUIRE(n >= 1);
      ticks += n;
      CHECK(ms_since(start) >= 5.0 * static_cast<double>(ticks) - 0.5);
    }
    CHECK(ms_since(start) < 2000);
  });
}

TEST_CASE("Ticker: missed ticks coalesce into one wait", "[ticker]") {
  weft::run([] {
    weft::Ticker ticker(2ms);
    weft::this_fiber::sleep_for(11ms);  // the subject: fall behind by five ticks
    CHECK(ticker.wait_tick() >= 5);
    CHECK(ticker.wait_tick() >= 1);
  });
}

TEST_CASE("Ticker: stop wakes a waiter; cancellation; misuse", "[ticker][cancel][errors]") {
  weft::run([] {
    weft::Ticker ticker(1h);
    std::uint64_t result = 99;
    auto waiter = weft::spawn([&] { result = ticker.wait_tick(); });
    let_others_run();
    ticker.stop();
    waiter.join();
    CHECK(result == 0);
    CHECK(ticker.stopped());
    CHECK(ticker.wait_tick() == 0);

    weft::Ticker slow(1h);
    CHECK(weft_test::cancelled_while_blocked([&] { (void)slow.wait_tick(); }));
    CHECK_THROWS_AS(weft::Ticker(0ms), weft::UsageError);
  });
}

namespace {
// Runs a PeriodicTimer with `period` on virtual time (time moves only when every fiber
// waits, so what is counted does not depend on the machine's speed) until its callback
// ran `calls` times, then stops it. `during_call(n)` runs inside the n-th call (from 1).
// Returns when each call started, measured from the timer's creation.
std::vector<weft::Duration> periodic_calls(weft::Duration period, std::size_t calls,
                                           std::function<void(std::size_t)> during_call = {}) {
  weft::VirtualClock clock;
  weft::RuntimeOptions options;
  options.clock = &clock;
  return weft::run(
      [&] {
        const weft::TimePoint start = weft::now();
        std::vector<weft::Duration> at;
        weft::Event enough;
        weft::PeriodicTimer timer(period, [&] {
          at.push_back(weft::now() - start);
          if (during_call) during_call(at.size());
          if (at.size() == calls) enough.set();
        });
        enough.wait();
        timer.stop();
        timer.join();
        CHECK(timer.runs() == calls);
        return at;
      },
      std::move(options));
}
}  // namespace

TEST_CASE("PeriodicTimer: calls back at every tick until stopped", "[ticker]") {
  CHECK(periodic_calls(2ms, 3) == std::vector<weft::Duration>{2ms, 4ms, 6ms});
}

TEST_CASE("PeriodicTimer: a callback that overruns runs once for the missed ticks", "[ticker]") {
  // Ticks are due at 10, 20, 30, 40, 50 ms. The first call takes 35 ms: the ticks at 20,
  // 30 and 40 are missed, so the next call comes at once (45 ms) for all three, and the
  // one after that back on the grid (50 ms).
  auto overrun_first = [](std::size_t call) {
    if (call == 1) weft::this_fiber::sleep_for(35ms);
  };
  CHECK(periodic_calls(10ms, 3, overrun_first) == std::vector<weft::Duration>{10ms, 45ms, 50ms});
}

TEST_CASE("PeriodicTimer: a throwing callback stops it; join rethrows", "[ticker][errors]") {
  weft::run([] {
    weft::PeriodicTimer timer(1ms, [] { throw std::runtime_error("tick failed"); });
    CHECK_THROWS_WITH(timer.join(), "tick failed");
    CHECK(timer.runs() == 1);
  });
}

TEST_CASE("PeriodicTimer: destruction stops it", "[ticker]") {
  weft::run([] {
    int calls = 0;
    {
      weft::PeriodicTimer timer(1h, [&] { ++calls; });
      let_others_run();
    }
    CHECK(calls == 0);
  });
}

TEST_CASE("Timer: runs the callback in a new fiber after the delay", "[timer]") {
  weft::run([] {
    const weft::TimePoint start = weft::now();
    double fired_after = -1;
    weft::FiberId fired_on = 0;
    weft::Timer timer(10ms, [&] {
      fired_after = ms_since(start);
      fired_on = weft::this_fiber::id();
    });
    CHECK_FALSE(timer.fired());
    timer.join();
    CHECK(timer.fired());
    CHECK(fired_after >= 9.5);
    CHECK(fired_after < 2000);
    CHECK(fired_on != weft::this_fiber::id());
    CHECK_FALSE(timer.cancel());  // too late: it ran
  });
}

TEST_CASE("Timer: cancel prevents the run, exactly once", "[timer][cancel]") {
  weft::run([] {
    bool ran = false;
    weft::Timer timer(1h, [&] { ran = true; });
    let_others_run();
    bool first = false, second = true;
    auto canceller = weft::spawn([&] { first = timer.cancel(); });
    canceller.join();
    second = timer.cancel();
    timer.join();  // returns promptly: cancelled
    CHECK(first);
    CHECK_FALSE(second);
    CHECK_FALSE(ran);
    CHECK_FALSE(timer.fired());
    {
      weft::Timer dropped(1h, [&] { ran = true; });
    }  // destruction cancels
    CHECK_FALSE(ran);
  });
}

TEST_CASE("Timer: a throwing callback is rethrown by join", "[timer][errors]") {
  weft::run([] {
    weft::Timer timer(0ms, [] { throw std::runtime_error("boom"); });
    CHECK_THROWS_WITH(timer.join(), "boom");
  });
}

TEST_CASE("Timer and PeriodicTimer: destroyed on a plain thread while their runtime runs",
          "[timer][periodic]") {
  // The destructor cannot wait outside a fiber: the driver fiber lives on and must still
  // find its state (use after free here shows under ASan).
  std::atomic<weft::Timer*> timer{nullptr};
  std::atomic<weft::PeriodicTimer*> periodic{nullptr};
  std::atomic<bool> destroyed{false};
  std::atomic<int> callbacks{0};
  std::thread runtime([&] {
    weft::run([&] {
      timer = new weft::Timer(500ms, [&] { ++callbacks; });
      periodic = new weft::PeriodicTimer(500ms, [&] { ++callbacks; });
      while (!destroyed) weft::this_fiber::sleep_for(1ms);
      weft::this_fiber::sleep_for(20ms);  // the drivers wake up and end now
    });
  });
  while (timer.load() == nullptr || periodic.load() == nullptr) std::this_thread::yield();
  delete timer.load();
  delete periodic.load();
  destroyed = true;
  runtime.join();
  CHECK(callbacks == 0);
}

TEST_CASE("Timer, Ticker and PeriodicTimer: delays too large to represent never come",
          "[timer][ticker][periodic]") {
  weft::run([] {
    bool fired = false;
    weft::Timer timer(std::chrono::hours::max(), [&] { fired = true; });
    weft::Timer timer_ns(weft::Duration::max(), [&] { fired = true; });
    weft::PeriodicTimer periodic(std::chrono::hours::max(), [&] { fired = true; });
    weft::Ticker ticker(weft::Duration::max());
    std::uint64_t ticks = 99;
    auto waiter = weft::spawn([&] { ticks = ticker.wait_tick(); });
    weft::this_fiber::sleep_for(10ms);
    CHECK_FALSE(fired);
    CHECK_FALSE(waiter.finished());  // waits (it used to spin on a deadline in the past)
    ticker.stop();
    waiter.join();
    CHECK(ticks == 0);
    CHECK(timer.cancel());
    CHECK(timer_ns.cancel());
    periodic.stop();
  });
}
