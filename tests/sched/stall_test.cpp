// The stall monitor: a fiber that blocks its worker's thread is reported once, by name;
// a busy worker that keeps switching, an idle one and a runtime with the watch off are
// not; runs under the checker are never watched.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Collects what the monitor reports (on its own thread).
struct Reports {
  std::mutex lock;
  std::vector<std::string> lines;
  weft::RuntimeOptions options(weft::Duration threshold = 100ms) {
    weft::RuntimeOptions o;
    o.stall_threshold = threshold;
    o.on_stall = [this](const std::string& line) {
      std::lock_guard guard(lock);
      lines.push_back(line);
    };
    return o;
  }
  std::vector<std::string> taken() {
    std::lock_guard guard(lock);
    return lines;
  }
};

// What `body` writes to stderr (fd 2), caught in a temporary file.
template <class Body>
std::string stderr_of(Body body) {
  std::FILE* caught = std::tmpfile();
  REQUIRE(caught != nullptr);
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(::fileno(caught), 2);
  body();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::string text;
  std::rewind(caught);
  for (int c; (c = std::fgetc(caught)) != EOF;) text += static_cast<char>(c);
  std::fclose(caught);
  return text;
}

// Blocks the calling kernel thread, as a blocking call would, until `count` reaches
// `target` or 5 s have passed; returns the count then.
int block_thread_until(const std::atomic<int>& count, int target) {
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (count.load() < target && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(1ms);
  return count.load();
}

}  // namespace

TEST_CASE("a fiber that blocks its worker's thread is reported once, by name", "[stall]") {
  Reports reports;
  weft::run(
      [] {
        auto hog = weft::spawn([] { std::this_thread::sleep_for(450ms); }, {.name = "hog"});
        hog.join();
      },
      reports.options());
  const auto lines = reports.taken();
  REQUIRE(lines.size() == 1);
  INFO(lines[0]);
  CHECK(lines[0].find("worker 0 has run fiber #") != std::string::npos);
  CHECK(lines[0].find("'hog'") != std::string::npos);
  CHECK(lines[0].find("weft::blocking()") != std::string::npos);
}

TEST_CASE("two stalls are two reports", "[stall]") {
  Reports reports;
  weft::run(
      [] {
        std::this_thread::sleep_for(300ms);
        weft::this_fiber::yield();
        weft::this_fiber::sleep_for(1ms);  // the worker comes back to the scheduler
        std::this_thread::sleep_for(300ms);
      },
      reports.options());
  CHECK(reports.taken().size() == 2);
}

TEST_CASE("busy fibers that switch, idle waits and blocking() are not stalls", "[stall]") {
  Reports reports;
  weft::run(
      [] {
        const auto until = std::chrono::steady_clock::now() + 300ms;
        auto spinner = weft::spawn([&] {
          while (std::chrono::steady_clock::now() < until) weft::this_fiber::yield();
        });
        spinner.join();
        weft::this_fiber::sleep_for(300ms);  // idle in the reactor
        weft::blocking([] { std::this_thread::sleep_for(300ms); });
      },
      reports.options());
  CHECK(reports.taken().empty());
}

TEST_CASE("a zero threshold turns the watch off", "[stall]") {
  Reports reports;
  weft::run([] { std::this_thread::sleep_for(300ms); }, reports.options(weft::Duration::zero()));
  CHECK(reports.taken().empty());
}

TEST_CASE("runs under the checker are not watched", "[stall][checker]") {
  // The checker's runtimes have the default threshold (1 s) and report to stderr: catch it.
  weft::check::Options options;
  options.iterations = 2;
  options.from_env = false;
  options.print_failure = false;
  weft::check::Report report;
  const std::string printed = stderr_of(
      [&] { report = weft::check::explore(options, [] { std::this_thread::sleep_for(1300ms); }); });
  CHECK(report.ok());
  CHECK(printed.empty());
}

TEST_CASE("a runtime with the default options reports a stall on stderr", "[stall]") {
  const std::string printed = stderr_of([] { weft::run([] { std::this_thread::sleep_for(1400ms); }); });
  REQUIRE_FALSE(printed.empty());
  CHECK(printed.find("weft: worker 0 has run fiber #") == 0);
  CHECK(printed.find("'main'") != std::string::npos);
}

TEST_CASE("weft's own threads do not delay a deadlock verdict", "[stall][deadlock]") {
  // The monitor thread runs from the first run on, and a blocking pool thread idles: a
  // process whose only other threads are these still gets its verdict at once, without
  // the grace period that foreign threads (which might wake a fiber) call for.
  weft::Runtime runtime;
  runtime.run([] { (void)weft::blocking([] { return 0; }); });
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(runtime.run([] {
    weft::Channel<int> never;
    (void)never.recv();
  }),
                  weft::sched::DeadlockError);
  const auto took = std::chrono::steady_clock::now() - started;
#ifndef WEFT_TSAN  // TSan keeps a thread of its own in the process
  CHECK(took < std::chrono::milliseconds(150));  // the grace period is 250 ms
#else
  (void)took;
#endif
}

TEST_CASE("with several workers the others take a stuck worker's queued fibers", "[stall][mn]") {
  Reports reports;
  weft::RuntimeOptions options = reports.options(100ms);
  options.workers = 2;
  constexpr int kQueued = 20;
  std::atomic<int> ran{0};
  std::atomic<bool> queued{false};
  std::atomic<int> ran_while_stuck{-1};
  weft::run(
      [&] {
        // Keeps worker 0 busy (not idle: nothing is shared with it) while worker 1 queues.
        auto busy = weft::spawn_on(0, [&] {
          while (!queued.load()) weft::this_fiber::yield();
        });
        auto stuck = weft::spawn_on(1, [&] {
          for (int i = 0; i < kQueued; ++i) weft::spawn([&] { ++ran; }).detach();
          queued.store(true);
          // Until the queued fibers have run elsewhere.
          ran_while_stuck.store(block_thread_until(ran, kQueued));
        });
        busy.join();
        stuck.join();
      },
      options);
  CHECK(ran_while_stuck.load() == kQueued);
  const std::vector<std::string> lines = reports.taken();
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("worker 1 has run fiber"));
  CHECK_THAT(lines[0], Catch::Matches(".*the other workers take the fibers queued behind it \\(([1-9][0-9]*) so far.*"));
}

// Wake-ups posted to a stuck worker (fibers that last ran there, woken from elsewhere)
// are passed on too: several at once, so the inbox holds more than its first entry.
TEST_CASE("with several workers the others take the wake-ups posted to a stuck worker", "[stall][mn]") {
  Reports reports;
  weft::RuntimeOptions options = reports.options(100ms);
  options.workers = 2;
  constexpr int kWaiting = 6;
  std::atomic<int> parked{0};
  std::atomic<int> ran{0};
  std::atomic<bool> stuck_now{false};
  std::atomic<int> ran_while_stuck{-1};
  weft::run(
      [&] {
        weft::Channel<int> never;  // closed by worker 0 once worker 1 is stuck
        // Keeps worker 0 busy, so worker 1 shares nothing with it, until worker 1 is
        // stuck; then wakes every fiber waiting on worker 1.
        auto waker = weft::spawn_on(0, [&] {
          while (!stuck_now.load()) weft::this_fiber::yield();
          never.close();
        });
        auto stuck = weft::spawn_on(1, [&] {
          for (int i = 0; i < kWaiting; ++i)
            weft::spawn([&] {
              ++parked;
              (void)never.recv();  // parks on worker 1
              ++ran;
            }).detach();
          while (parked.load() < kWaiting) weft::this_fiber::yield();
          weft::this_fiber::yield();  // the last one has parked
          stuck_now.store(true);
          // Until the woken fibers have run elsewhere.
          ran_while_stuck.store(block_thread_until(ran, kWaiting));
        });
        waker.join();
        stuck.join();
      },
      options);
  CHECK(ran_while_stuck.load() == kWaiting);
  CHECK(reports.taken().size() == 1);
}
