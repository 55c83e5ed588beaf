// The M:N worker parker (sched/src/mn/parker.hpp): permits are kept, timeouts end a
// park, another thread's unpark wakes it, and a ping-pong of many round trips between
// two threads loses no wake-up.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "mn/parker.hpp"

using weft::sched::detail::Parker;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("an unpark before the park is kept as a permit, once", "[parker]") {
  Parker p;
  p.unpark();
  p.unpark();  // permits do not add up
  const auto started = Clock::now();
  CHECK(p.park(5s));
  CHECK(Clock::now() - started < 1s);
  CHECK_FALSE(p.park(10ms));  // the second unpark left nothing more
}

TEST_CASE("a park ends at its timeout", "[parker]") {
  Parker p;
  const auto started = Clock::now();
  CHECK_FALSE(p.park(30ms));
  CHECK(Clock::now() - started >= 30ms);
  CHECK_FALSE(p.park(0ms));
}

TEST_CASE("another thread's unpark wakes a park without timeout", "[parker]") {
  Parker p;
  std::atomic<bool> parked_soon{false};
  std::thread waker([&] {
    while (!parked_soon.load()) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);
    p.unpark();
  });
  const auto started = Clock::now();
  parked_soon = true;
  bool woken = false;
  while (!woken) woken = p.park();  // a spurious early return parks again
  CHECK(Clock::now() - started >= 15ms);
  waker.join();
}

TEST_CASE("two threads ping-pong through two parkers without losing a wake-up", "[parker]") {
  constexpr int kRounds = 20000;
  Parker ping, pong;
  std::atomic<int> ball{0};  // even: ping's turn, odd: pong's
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (ball.load(std::memory_order_acquire) != 2 * i + 1) pong.park(1s);
      ball.store(2 * i + 2, std::memory_order_release);
      ping.unpark();
    }
  });
  const auto started = Clock::now();
  for (int i = 0; i < kRounds; ++i) {
    ball.store(2 * i + 1, std::memory_order_release);
    pong.unpark();
    while (ball.load(std::memory_order_acquire) != 2 * i + 2) ping.park(1s);
  }
  const auto took = Clock::now() - started;
  other.join();
  CHECK(ball.load() == 2 * kRounds);
  const double round_trip_us = std::chrono::duration<double, std::micro>(took).count() / kRounds;
  INFO("round trip " << round_trip_us << " us");
  CHECK(took < 20s);  // a lost wake-up would cost the 1 s timeout per round
}
