// M:N under load (suite 'stress', bounded in count and time): spawn storms, ping-pong
// across workers, mutex and channel hammering with exact counts, timers under load, and
// cancellations racing wake-ups, on 2 and 4 workers. Meant for the TSan build too.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Sanitizer builds run each fiber several times slower (TSan models every switch):
// the same loads, fewer rounds.
#if defined(WEFT_TSAN) || defined(WEFT_ASAN)
constexpr int kScale = 8;
#else
constexpr int kScale = 1;
#endif

weft::RuntimeOptions on_workers(std::size_t n) {
  weft::RuntimeOptions options;
  options.workers = n;
  return options;
}

std::uint64_t tree(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  std::vector<weft::JoinHandle<std::uint64_t>> children;
  for (std::uint64_t i = 0; i < 10; ++i)
    children.push_back(weft::spawn([num, size, i] { return tree(num + i * (size / 10), size / 10); }));
  std::uint64_t sum = 0;
  for (auto& c : children) sum += c.join();
  return sum;
}

}  // namespace

TEST_CASE("spawn storms: trees of fibers over the workers", "[mn][stress]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  for (int round = 0; round < 20 / kScale; ++round) {
    const std::uint64_t sum = weft::run([] { return tree(0, 100'000); }, on_workers(workers));
    REQUIRE(sum == 100'000ull * 99'999ull / 2);
  }
}

TEST_CASE("ping-pong across workers and channel hammering keep exact counts", "[mn][stress]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  weft::run(
      [workers] {
        weft::Channel<int> jobs(8);
        std::atomic<long> received{0};
        std::vector<weft::JoinHandle<void>> fibers;
        constexpr int kSenders = 8, kEach = 20'000 / kScale;
        for (int s = 0; s < kSenders; ++s)
          fibers.push_back(weft::spawn([&jobs] {
            for (int i = 0; i < kEach; ++i) jobs.send(1);
          }));
        std::vector<weft::JoinHandle<void>> receivers;
        for (std::size_t r = 0; r < workers * 2; ++r)
          receivers.push_back(weft::spawn([&] {
            while (auto v = jobs.recv()) received.fetch_add(*v, std::memory_order_relaxed);
          }));
        for (auto& f : fibers) f.join();
        jobs.close();
        for (auto& r : receivers) r.join();
        CHECK(received == long{kSenders} * kEach);

        weft::Channel<int> ping, pong;
        auto echo = weft::spawn_on(workers - 1, [&] {
          while (auto v = ping.recv()) pong.send(*v + 1);
        });
        long total = 0;
        constexpr int kTrips = 50'000 / kScale;
        for (int i = 0; i < kTrips; ++i) {
          ping.send(i);
          total += pong.recv().value();
        }
        ping.close();
        echo.join();
        CHECK(total == long{kTrips} * (kTrips - 1) / 2 + kTrips);
      },
      on_workers(workers));
}

TEST_CASE("a contended mutex on every worker loses no increment", "[mn][stress]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  weft::run(
      [] {
        weft::Mutex mutex;
        long counter = 0;
        std::vector<weft::JoinHandle<void>> fibers;
        for (int f = 0; f < 32; ++f)
          fibers.push_back(weft::spawn([&] {
            for (int i = 0; i < 5'000; ++i) {
              std::lock_guard guard(mutex);
              ++counter;
              if (i % 100 == 0) weft::this_fiber::yield();  // held across a switch
            }
          }));
        for (auto& f : fibers) f.join();
        CHECK(counter == 32L * 5'000);
      },
      on_workers(workers));
}

TEST_CASE("timers under load: none early, all fire", "[mn][stress]") {
  std::atomic<int> early{0}, fired{0};
  weft::run(
      [&] {
        std::vector<weft::JoinHandle<void>> fibers;
        for (int f = 0; f < 2'000 / kScale; ++f)
          fibers.push_back(weft::spawn([&, f] {
            for (int k = 0; k < 5; ++k) {
              const auto wanted = std::chrono::microseconds(100 + (f * 37 + k * 11) % 900);
              const auto start = std::chrono::steady_clock::now();
              weft::this_fiber::sleep_for(wanted);
              if (std::chrono::steady_clock::now() - start < wanted) early.fetch_add(1);
              fired.fetch_add(1);
            }
          }));
        for (auto& f : fibers) f.join();
      },
      on_workers(2));
  CHECK(early == 0);
  CHECK(fired == 10'000 / kScale);
}

TEST_CASE("cancellations race wake-ups across workers", "[mn][stress]") {
  std::atomic<int> outcomes{0};
  weft::run(
      [&] {
        for (int round = 0; round < 20'000 / kScale; ++round) {
          weft::Channel<int> channel(1);
          auto waiter = weft::spawn([&] {
            try {
              (void)channel.recv();
            } catch (const weft::Cancelled&) {
            }
            outcomes.fetch_add(1);
          });
          auto canceller = weft::spawn([&] { waiter.cancel(); });
          channel.send(round);  // races the cancel: either may end the wait, never both
          canceller.join();
          waiter.join();
        }
      },
      on_workers(2));
  CHECK(outcomes == 20'000 / kScale);
}
