// spawn / join: results, exceptions through join, timed waits, unjoined exceptions,
// many fibers, and reuse of a Runtime.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include <weft/weft.hpp>

#include "support/child_process.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;

namespace {

struct BoomError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Resident set size of this process now, in bytes (from /proc/self/statm).
std::size_t current_rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Restores the unjoined-exception handler when a test ends, pass or fail.
struct HandlerScope {
  weft::UnjoinedExceptionHandler previous;
  explicit HandlerScope(weft::UnjoinedExceptionHandler h)
      : previous(weft::set_unjoined_exception_handler(std::move(h))) {}
  ~HandlerScope() { weft::set_unjoined_exception_handler(std::move(previous)); }
};

std::string message_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "(unknown)";
  }
}

}  // namespace

TEST_CASE("join returns the fiber's value", "[spawn]") {
  int result = weft::run([] {
    auto h = weft::spawn([] { return 6 * 7; });
    REQUIRE(h.joinable());
    int v = h.join();
    CHECK_FALSE(h.joinable());
    return v;
  });
  CHECK(result == 42);
}

TEST_CASE("join moves non-trivial results out", "[spawn]") {
  auto words = weft::run([] {
    auto a = weft::spawn([] { return std::string("alpha"); });
    auto b = weft::spawn([] { return std::vector<int>{1, 2, 3}; });
    std::string s = a.join();
    std::vector<int> v = b.join();
    return s + ":" + std::to_string(v.size());
  });
  CHECK(words == "alpha:3");
}

TEST_CASE("join of a void fiber waits for its side effects", "[spawn]") {
  int touched = 0;
  weft::run([&] {
    auto h = weft::spawn([&] {
      weft::this_fiber::yield();
      touched = 1;
    });
    static_assert(std::is_void_v<decltype(h.join())>);
    h.join();
    CHECK(touched == 1);
  });
  CHECK(touched == 1);
}

TEST_CASE("an exception thrown by a fiber is rethrown by join with type and message",
          "[spawn]") {
  weft::run([] {
    auto h = weft::spawn([]() -> int {
      weft::this_fiber::yield();
      throw BoomError("boom from child");
    });
    bool caught = false;
    try {
      (void)h.join();
    } catch (const BoomError& e) {
      caught = true;
      CHECK(std::string(e.what()) == "boom from child");
    }
    CHECK(caught);
    CHECK_FALSE(h.joinable());
  });
}

TEST_CASE("an exception of the first fiber comes out of weft::run", "[spawn]") {
  REQUIRE_THROWS_MATCHES(weft::run([]() -> int { throw BoomError("from main"); }), BoomError,
                         Catch::Matchers::Message("from main"));
}

TEST_CASE("wait_for on a running fiber times out and leaves the handle joinable", "[spawn]") {
  weft::run([] {
    auto h = weft::spawn([] {
      try {
        weft::this_fiber::sleep_for(1h);  // blocked until cancelled below
        return 0;
      } catch (const weft::Cancelled&) {
        return -1;
      }
    });
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(h.wait_for(20ms));
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 20ms);
    CHECK(waited < 1s);
    CHECK(h.joinable());
    CHECK_FALSE(h.finished());
    h.cancel();
    CHECK(h.join() == -1);
  });
}

TEST_CASE("wait_for on a finished fiber returns true and join still works", "[spawn]") {
  weft::run([] {
    auto h = weft::spawn([] { return 5; });
    CHECK(h.wait_for(10s));
    CHECK(h.joinable());
    CHECK(h.finished());
    CHECK(h.join() == 5);
  });
}

TEST_CASE("a named fiber keeps its name and a unique id", "[spawn]") {
  weft::run([] {
    auto a = weft::spawn([] { return weft::this_fiber::name(); }, {.name = "worker-a"});
    auto b = weft::spawn([] { return weft::this_fiber::id(); });
    CHECK(a.name() == "worker-a");
    CHECK(a.id() != b.id());
    CHECK(a.id() != weft::this_fiber::id());
    const auto b_id = b.id();
    CHECK(a.join() == "worker-a");
    CHECK(b.join() == b_id);
  });
}

TEST_CASE("exceptions nobody joins go to the unjoined-exception handler", "[spawn][unjoined]") {
  struct Report {
    weft::FiberId id;
    std::string name;
    std::string message;
  };
  std::vector<Report> reports;
  std::mutex reports_lock;  // the handler runs on the worker where the fiber ended
  HandlerScope scope([&](weft::FiberId id, const std::string& name, std::exception_ptr error) {
    std::lock_guard guard(reports_lock);
    reports.push_back({id, name, message_of(error)});
  });
  auto reported = [&](weft::FiberId id) {
    std::lock_guard guard(reports_lock);
    return std::count_if(reports.begin(), reports.end(), [id](const Report& r) { return r.id == id; });
  };
  const std::size_t count_before = weft::unjoined_exception_count();

  weft::FiberId detached_id = 0, dropped_id = 0;
  weft::run([&] {
    {
      auto h = weft::spawn([]() -> void { throw BoomError("detached failure"); },
                           {.name = "detached-thrower"});
      detached_id = h.id();
      h.detach();
      CHECK_FALSE(h.joinable());
    }
    auto h = weft::spawn([]() -> int { throw BoomError("dropped failure"); },
                         {.name = "dropped-thrower"});
    dropped_id = h.id();
    REQUIRE(h.wait_for(10s));  // finished with its exception; the handle still owns it
    CHECK(reported(dropped_id) == 0);  // not lost while the handle may still join it
    h = {};                            // drop the handle without joining
    CHECK(reported(dropped_id) == 1);
  });

  // The detached fiber's report comes when it ends: before run returns, in either order
  // with the dropped one's on several workers.
  std::stable_partition(reports.begin(), reports.end(), [&](const Report& r) { return r.id == detached_id; });
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].id == detached_id);
  CHECK(reports[0].name == "detached-thrower");
  CHECK(reports[0].message == "detached failure");
  CHECK(reports[1].id == dropped_id);
  CHECK(reports[1].name == "dropped-thrower");
  CHECK(reports[1].message == "dropped failure");
  CHECK(weft::unjoined_exception_count() == count_before + 2);
}

TEST_CASE("by default an unjoined exception is printed with the fiber's name",
          "[spawn][unjoined]") {
  weft_test::ChildResult child = weft_test::run_in_child([] {
    weft::set_unjoined_exception_handler(nullptr);  // the default: a line on stderr
    const std::size_t before = weft::unjoined_exception_count();
    // One worker: the child starts no worker threads, which TSan forbids in a child
    // forked from a multi-threaded process.
    weft::run([] {
      weft::spawn([]() -> void { throw BoomError("nobody listens"); }, {.name = "lonely"})
          .detach();
    }, weft_test::one_worker());
    std::printf("%zu\n", weft::unjoined_exception_count() - before);
  });
  INFO("child stderr: " << child.err);
  CHECK(child.exited_ok());
  CHECK_THAT(child.err, Catch::Matchers::Contains("lonely") &&
                            Catch::Matchers::Contains("nobody listens"));
  CHECK(child.out == "1\n");
}

TEST_CASE("a joined exception is not reported as unjoined", "[spawn][unjoined]") {
  std::atomic<int> reports{0};  // atomic: the handler would run on a worker thread
  HandlerScope scope([&](weft::FiberId, const std::string&, std::exception_ptr) { ++reports; });
  const std::size_t count_before = weft::unjoined_exception_count();
  weft::run([] {
    auto h = weft::spawn([]() -> int { throw BoomError("seen"); });
    CHECK_THROWS_AS(h.join(), BoomError);
  });
  CHECK(reports == 0);
  CHECK(weft::unjoined_exception_count() == count_before);
}

// Under TSan every fiber gets a thread state of its own, ~0.5 ms to create and destroy on
// the reference machine: the two tests below then run 5k fibers instead of 100k.
#if defined(WEFT_TSAN)
constexpr std::int64_t kManyFibers = 5'000;
#else
constexpr std::int64_t kManyFibers = 100'000;
#endif

TEST_CASE("100k fibers created and joined one by one", "[spawn][many]") {
  constexpr std::int64_t kCount = kManyFibers;
  std::int64_t sum = weft::run([] {
    std::int64_t s = 0;
    for (std::int64_t i = 0; i < kCount; ++i) s += weft::spawn([i] { return i; }).join();
    return s;
  });
  CHECK(sum == kCount * (kCount - 1) / 2);
}

// A join runs its queued child at once (a hand-off past the queue). A fiber that waits
// in the queue behind a long chain of such joins must still get its turn: the hand-off
// slice is about a millisecond. Without the bound it would wait for the whole chain.
TEST_CASE("a fiber queued behind a chain of joins runs within the hand-off slice", "[spawn][fairness]") {
  const auto waited = weft::run(
      [] {
        std::atomic<bool> ran{false};
        const auto start = std::chrono::steady_clock::now();
        auto queued = weft::spawn([&] { ran.store(true); });
        std::int64_t joins = 0;
        while (!ran.load() && std::chrono::steady_clock::now() - start < 5s) {
          weft::spawn([] {}).join();
          ++joins;
        }
        const auto waited = std::chrono::steady_clock::now() - start;
        queued.join();
        return ran.load() ? waited : std::chrono::steady_clock::duration::max();
      },
      weft_test::one_worker());
  const double waited_ms = std::chrono::duration<double, std::milli>(waited).count();
  INFO("waited " << waited_ms << " ms");
  CHECK(waited < 500ms);  // ~1 ms; generous for a loaded machine and the sanitizers
}

// The joiner that runs its unstarted child at once registers with the child without the
// join lock; a cancelled joiner must leave so the child's end does not wake it (the
// joiner's control block is gone by then: ASan sees any touch).
TEST_CASE("a joiner cancelled while the child it runs blocks leaves it; the child ends later",
          "[spawn][cancel]") {
  const int result = weft::run([] {
    weft::Channel<int> gate;  // unbuffered: the child blocks until main sends
    std::atomic<bool> child_blocked_soon{false};
    auto parent = weft::spawn([&] {
      auto child = weft::spawn([&] {
        child_blocked_soon.store(true);
        return gate.recv().value();
      });
      bool cancelled = false;
      try {
        (void)child.join();
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
      return std::pair{cancelled, std::move(child)};
    });
    (void)weft_test::yield_until([&] { return child_blocked_soon.load(); });
    parent.cancel();
    auto [cancelled, child] = parent.join();  // the parent has ended and its block is freed
    gate.send(7);
    return (cancelled ? 100 : 0) + child.join();
  });
  CHECK(result == 107);
}

// Two joiners of one fiber: the one that ran it at once (untimed join) and a timed one
// through the same handle; the fiber's end wakes both.
TEST_CASE("the end of a fiber wakes the joiner that ran it and a timed joiner", "[spawn]") {
  const auto [value, other_saw_end] = weft::run([] {
    weft::Channel<int> gate;
    weft_test::ParkWatch other_parked;
    auto child = weft::spawn([&] { return gate.recv().value(); });
    auto other = weft::spawn([&] {
      other_parked.publish();
      return child.wait_for(10s);
    });
    auto sender = weft::spawn([&] {
      (void)other_parked.yield_until_parked();
      gate.send(5);
    });
    const int v = child.join();
    const bool saw = other.join();
    sender.join();
    return std::pair{v, saw};
  });
  CHECK(value == 5);
  CHECK(other_saw_end);
}

TEST_CASE("100k fibers spawned first and joined later do not all hold a stack",
          "[spawn][many][stack]") {
  constexpr std::int64_t kCount = kManyFibers;
  const std::size_t rss_before = current_rss_bytes();
  std::size_t rss_peak = rss_before;
  std::set<std::uintptr_t> stack_regions;  // where each fiber's frame lives, by 64 KiB block

  // Each fiber returns its value and its frame's block; the main fiber collects them (the
  // fibers run on several workers).
  struct Result {
    std::int64_t value;
    std::uintptr_t region;
  };
  std::int64_t sum = weft::run([&] {
    std::vector<weft::JoinHandle<Result>> handles;
    handles.reserve(kCount);
    for (std::int64_t i = 0; i < kCount; ++i) {
      handles.push_back(weft::spawn([i] {
        volatile int frame_marker = 0;
        return Result{i + frame_marker, reinterpret_cast<std::uintptr_t>(&frame_marker) >> 16};
      }));
    }
    rss_peak = std::max(rss_peak, current_rss_bytes());
    std::int64_t s = 0;
    for (std::int64_t i = 0; i < kCount; ++i) {
      const Result r = handles[static_cast<std::size_t>(i)].join();
      s += r.value;
      stack_regions.insert(r.region);
      if (i % 4096 == 0) rss_peak = std::max(rss_peak, current_rss_bytes());
    }
    return s;
  });

  CHECK(sum == kCount * (kCount - 1) / 2);
  // Stacks are bound when a fiber first runs and pooled when it ends: the fibers reuse
  // a handful of stacks. One stack each would be 100k regions (and > 6 GiB mapped).
  INFO("distinct stack regions: " << stack_regions.size());
  CHECK(stack_regions.size() < 1000);
  // Control blocks and handles cost a few hundred bytes each; a touched stack page per
  // queued fiber would add at least 400 MB. (Not under TSan, whose own state for every
  // fiber it has seen comes to ~200 KiB each and is not given back.)
  const std::size_t growth = rss_peak > rss_before ? rss_peak - rss_before : 0;
  INFO("RSS growth: " << growth / 1024 << " KiB");
#if !defined(WEFT_TSAN)
  CHECK(growth < std::size_t{200} << 20);
#endif
}

TEST_CASE("a Runtime object can run twice", "[spawn][runtime]") {
  weft::Runtime runtime;
  int first = runtime.run([] {
    auto h = weft::spawn([] { return 1; });
    return h.join();
  });
  CHECK(first == 1);
  CHECK(runtime.scheduler().live_fibers() == 0);
  int second = runtime.run([] {
    auto a = weft::spawn([] { return 20; });
    auto b = weft::spawn([] {
      weft::this_fiber::sleep_for(1ms);
      return 22;
    });
    return a.join() + b.join();
  });
  CHECK(second == 42);
  CHECK(runtime.scheduler().live_fibers() == 0);
}

TEST_CASE("a Runtime can run again after a run that threw", "[spawn][runtime]") {
  weft::Runtime runtime;
  CHECK_THROWS_AS(runtime.run([]() -> int { throw BoomError("first run fails"); }), BoomError);
  CHECK(runtime.run([] { return weft::spawn([] { return 3; }).join(); }) == 3);
}

TEST_CASE("weft::run returns once detached fibers have finished too", "[spawn]") {
  std::atomic<int> finished{0};  // atomic: the fibers finish on several workers
  weft::run([&] {
    for (int i = 0; i < 10; ++i) {
      weft::spawn([&] {
        weft::this_fiber::yield();
        weft::this_fiber::sleep_for(1ms);
        ++finished;
      }).detach();
    }
  });
  CHECK(finished == 10);
}

TEST_CASE("wait_for and sleep_for with timeouts too large to represent", "[spawn][timeout]") {
  weft::run([] {
    auto slow = weft::spawn([] { weft::this_fiber::sleep_for(std::chrono::milliseconds(20)); });
    CHECK(slow.wait_for(std::chrono::milliseconds::max()));  // waits: no deadline
    CHECK(slow.finished());
    slow.join();
    bool cancelled = false;
    auto sleeper = weft::spawn([&] {
      try {
        weft::this_fiber::sleep_for(std::chrono::hours::max());
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
    });
    weft::this_fiber::sleep_for(std::chrono::milliseconds(5));
    CHECK_FALSE(sleeper.finished());  // it used to wake at once (a deadline in the past)
    sleeper.cancel();
    sleeper.join();
    CHECK(cancelled);
  });
}
