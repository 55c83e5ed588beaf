// Multi-thread stress: promises completed by fibers of one runtime thread, waited on by
// fibers of another (get, timed waits racing the set, as_completed, cancels racing the
// set), and an executor fed by fibers of a foreign runtime. Counts must be exact.
// WEFT_FUTURE_STRESS_ITEMS sets the size (the 'fast' suite runs a short variant).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

namespace {

std::size_t items() {
  const char* env = std::getenv("WEFT_FUTURE_STRESS_ITEMS");
  long n = env ? std::atol(env) : 0;
  return n > 0 ? std::size_t(n) : 4000;
}

std::uint64_t triangle(std::size_t n) { return std::uint64_t(n) * (n + 1) / 2; }

}  // namespace

TEST_CASE("promises set on one runtime thread, awaited on another", "[stress][threads]") {
  const std::size_t n = items();
  constexpr std::size_t kSetters = 8;
  constexpr std::size_t kGroups = 4;      // get / timed waits / as_completed / cancelled
  constexpr std::size_t kPerGroup = 4;    // waiter fibers per group
  constexpr std::size_t kWaiters = kGroups * kPerGroup;

  // Created outside any runtime: cross-thread promises.
  std::vector<weft::Promise<std::uint64_t>> promises(n);
  std::vector<weft::Future<std::uint64_t>> futures;
  futures.reserve(n);
  for (auto& p : promises) futures.push_back(p.get_future());

  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::size_t> received{0};
  std::atomic<std::size_t> timeouts{0};
  std::atomic<std::size_t> cancels{0};
  // The setters start once every waiter fiber runs, so the two sides overlap.
  weft::Promise<void> waiters_started;
  auto start_gate = waiters_started.get_future();

  std::thread waiting([&] {
    weft::run([&] {
      std::vector<weft::JoinHandle<void>> waiters;
      for (std::size_t w = 0; w < kWaiters; ++w) {
        std::size_t group = w / kPerGroup;
        waiters.push_back(weft::spawn([&, w, group] {
          std::vector<weft::Future<std::uint64_t>> mine;
          for (std::size_t i = w; i < n; i += kWaiters) mine.push_back(std::move(futures[i]));
          std::uint64_t local = 0;
          if (group == 0) {
            for (auto& f : mine) local += f.get();
          } else if (group == 1) {
            for (auto& f : mine) {
              while (f.wait_for(std::chrono::microseconds((w % 3 + 1) * 10)) == weft::FutureStatus::timeout)
                timeouts.fetch_add(1, std::memory_order_relaxed);
              local += f.get();
            }
          } else if (group == 2) {
            // In windows: each as_completed step scans the futures not yet yielded.
            constexpr std::size_t kWindow = 64;
            for (std::size_t at = 0; at < mine.size(); at += kWindow) {
              std::vector<weft::Future<std::uint64_t>> window;
              for (std::size_t i = at; i < std::min(mine.size(), at + kWindow); ++i)
                window.push_back(std::move(mine[i]));
              for (auto& f : weft::as_completed(window)) local += f.get();
            }
          } else {
            for (auto& f : mine) {
              for (;;) {
                try {
                  local += f.get();
                  break;
                } catch (const weft::Cancelled&) {
                  cancels.fetch_add(1, std::memory_order_relaxed);
                }
              }
            }
          }
          sum.fetch_add(local);
          received.fetch_add(mine.size());
        }));
      }
      waiters_started.set_value();
      // Cancels the last group's waiters again and again while they wait.
      auto canceller = weft::spawn([&] {
        for (;;) {
          bool any = false;
          for (std::size_t w = 3 * kPerGroup; w < kWaiters; ++w) {
            if (waiters[w].finished()) continue;
            any = true;
            waiters[w].cancel();
          }
          if (!any) break;
          weft::this_fiber::sleep_for(50us);
        }
      });
      canceller.join();  // first: it reads the handles
      for (auto& h : waiters) h.join();
    });
  });

  std::thread setting([&] {
    weft::run([&] {
      start_gate.get();
      std::vector<weft::JoinHandle<void>> setters;
      for (std::size_t s = 0; s < kSetters; ++s)
        setters.push_back(weft::spawn([&, s] {
          for (std::size_t i = s; i < n; i += kSetters) {
            promises[i].set_value(i + 1);
            if (i % 7 == 0) weft::this_fiber::yield();
            if (i % 97 == 0) weft::this_fiber::sleep_for(20us);
          }
        }));
      for (auto& h : setters) h.join();
    });
  });

  setting.join();
  waiting.join();
  CHECK(received.load() == n);
  CHECK(sum.load() == triangle(n));
  INFO("timeouts " << timeouts.load() << ", cancels " << cancels.load());
  SUCCEED();
}

TEST_CASE("an executor fed and awaited by a foreign runtime", "[stress][threads][executor]") {
  const std::size_t n = items();
  constexpr std::size_t kSubmitters = 6;

  weft::Promise<weft::Executor*> pool_ready;        // set by the pool's runtime
  weft::Promise<void> all_submitted;                // set by the submitting runtime
  auto pool_future = pool_ready.get_future();
  auto submitted_future = all_submitted.get_future();
  std::atomic<std::size_t> executed{0};
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::size_t> refused{0};

  std::thread pool_thread([&] {
    weft::run([&] {
      weft::Executor pool(weft::ExecutorOptions{
          .workers = 4, .queue_capacity = 8, .name = "stress-pool", .remote_submitters = true});
      pool_ready.set_value(&pool);
      submitted_future.get();
      pool.shutdown(weft::ShutdownMode::drain);
    });
  });

  std::thread submit_thread([&] {
    weft::run([&] {
      weft::Executor* pool = pool_future.get();
      std::vector<weft::JoinHandle<void>> submitters;
      for (std::size_t s = 0; s < kSubmitters; ++s)
        submitters.push_back(weft::spawn([&, s] {
          std::vector<weft::Future<std::uint64_t>> results;
          for (std::size_t i = s; i < n; i += kSubmitters) {
            auto task = [&executed, i] {
              executed.fetch_add(1, std::memory_order_relaxed);
              if (i % 5 == 0) weft::this_fiber::yield();
              return std::uint64_t(i + 1);
            };
            if (i % 3 == 0) {
              // try_submit, falling back to the parking submit when full.
              if (auto f = pool->try_submit(task)) {
                results.push_back(std::move(*f));
                continue;
              }
              refused.fetch_add(1, std::memory_order_relaxed);
            }
            results.push_back(pool->submit(task));
          }
          std::uint64_t local = 0;
          for (auto& f : results) local += f.get();
          sum.fetch_add(local);
        }));
      for (auto& h : submitters) h.join();
      all_submitted.set_value();
    });
  });

  submit_thread.join();
  pool_thread.join();
  CHECK(executed.load() == n);
  CHECK(sum.load() == triangle(n));
  INFO("try_submit refusals " << refused.load());
  SUCCEED();
}
