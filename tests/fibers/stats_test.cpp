// weft::stats(): the counts move with what the runtime does.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "weft/blocking.hpp"
#include "weft/weft.hpp"
#include "support/workers.hpp"

using namespace std::chrono_literals;

TEST_CASE("switches, live fibers and the reactor's name", "[stats]") {
  weft::RuntimeOptions one_worker;
  one_worker.workers = 1;  // the counts below are of worker 0 alone
  weft::run([] {
    const weft::RuntimeStats before = weft::stats();
    REQUIRE(before.workers.size() == 1);
    CHECK(before.workers[0].worker == 0);
    CHECK(before.live_fibers == 1);
    CHECK(std::string(before.reactor) == "epoll");
    auto a = weft::spawn([] { for (int i = 0; i < 100; ++i) weft::this_fiber::yield(); });
    auto b = weft::spawn([] { for (int i = 0; i < 100; ++i) weft::this_fiber::yield(); });
    CHECK(weft::stats().live_fibers == 3);
    CHECK(weft::stats().workers[0].ready == 2);
    a.join();
    b.join();
    const weft::RuntimeStats after = weft::stats();
    CHECK(after.workers[0].switches >= before.workers[0].switches + 200);
    CHECK(after.live_fibers == 1);
  }, one_worker);
}

TEST_CASE("idle waits, wake-ups from other threads and the blocking pool", "[stats]") {
  weft::run([] {
    CHECK(weft::stats().blocking.started == 0);
    weft::this_fiber::sleep_for(2ms);  // nothing else to run: the worker waits
    const weft::RuntimeStats slept = weft::stats();
    CHECK(slept.workers[0].idle_waits >= 1);
    CHECK(slept.io.waits >= 1);
    // Wake-ups on the worker's own thread are not counted as coming from other threads.
    weft::Channel<int> local;
    auto echo = weft::spawn([&] { (void)local.recv(); });
    weft::this_fiber::yield();
    CHECK(local.send(1) == weft::ChannelStatus::ok);
    echo.join();
    CHECK(weft::stats().workers[0].remote_wakeups == slept.workers[0].remote_wakeups);
    weft::Promise<int> promise{weft::cross_thread};
    weft::Future<int> future = promise.get_future();
    std::thread setter([&] {
      std::this_thread::sleep_for(20ms);
      promise.set_value(1);
    });
    CHECK(future.get() == 1);
    setter.join();
    CHECK(weft::stats().workers[0].remote_wakeups >= slept.workers[0].remote_wakeups + 1);
    CHECK(weft::blocking([] { return 3; }) == 3);
    // The job is counted once its thread is done with it, just after this fiber resumed.
    for (const auto give_up = weft::now() + 2s; weft::stats().blocking.completed < 1 && weft::now() < give_up;)
      weft::this_fiber::sleep_for(1ms);
    const weft::RuntimeStats pooled = weft::stats();
    CHECK(pooled.blocking.started == 1);
    CHECK(pooled.blocking.completed == 1);
  }, weft_test::one_worker());
}

TEST_CASE("fd readiness is counted", "[stats]") {
  weft::run([] {
    auto [a, b] = weft::UnixStream::pair();
    const std::uint64_t before = weft::stats().io.readiness;
    auto reader = weft::spawn([&] {
      std::array<char, 1> one{};
      CHECK(b.read(std::as_writable_bytes(std::span(one))) == 1);
    });
    weft::this_fiber::sleep_for(5ms);  // the reader parks on its fd
    a.write_all("x");
    reader.join();
    CHECK(weft::stats().io.readiness >= before + 1);
  });
}

TEST_CASE("stats read on one worker while another queues and runs fibers", "[stats]") {
  weft::RuntimeOptions two;
  two.workers = 2;
  weft::run([] {
    std::atomic<bool> reading{false}, done{false};
    auto busy = weft::spawn_on(0, [&] {  // worker 0's queue changes all the time
      while (!reading.load()) weft::this_fiber::yield();
      std::vector<weft::JoinHandle<void>> yielders;
      for (int i = 0; i < 4; ++i)
        yielders.push_back(weft::spawn_on(0, [] {
          for (int round = 0; round < 20000; ++round) weft::this_fiber::yield();
        }));
      for (auto& y : yielders) y.join();
      done.store(true);
    });
    auto reader = weft::spawn_on(1, [&] {  // reads worker 0's counts meanwhile (TSan: no race)
      std::size_t reads = 0;
      reading.store(true);
      while (!done.load()) {
        const weft::RuntimeStats now = weft::stats();
        CHECK(now.workers[0].ready <= 5);
        ++reads;
      }
      CHECK(reads > 0);
    });
    busy.join();
    reader.join();
  }, two);
}

TEST_CASE("stats outside a fiber is a usage error", "[stats]") {
  CHECK_THROWS_AS(weft::stats(), weft::UsageError);
}
