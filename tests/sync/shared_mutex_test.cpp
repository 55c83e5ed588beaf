// weft::SharedMutex: shared and exclusive holds, writer preference, FIFO writers,
// timeouts, cancellation and misuse.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

using namespace std::chrono_literals;

TEST_CASE("SharedMutex: readers share, a writer excludes everyone", "[shared_mutex]") {
  weft::run([] {
    weft::SharedMutex m;
    // atomic: the readers run on several workers, inside the lock together
    std::atomic<int> readers_inside{0}, max_readers{0}, entered{0};
    std::vector<weft::JoinHandle<void>> readers;
    for (int i = 0; i < 3; ++i)
      readers.push_back(weft::spawn([&] {
        std::shared_lock lock(m);
        const int inside = ++readers_inside;
        int max = max_readers.load();
        while (max < inside && !max_readers.compare_exchange_weak(max, inside)) {
        }
        ++entered;
        // Holds the lock until all three have entered (2 s if the lock wrongly excludes).
        (void)weft_test::yield_until([&] { return entered == 3; }, 2s);
        --readers_inside;
      }));
    for (auto& r : readers) r.join();
    CHECK(max_readers == 3);

    m.lock();
    CHECK(m.is_locked_exclusive());
    std::atomic<bool> read{false};  // read while `reader` may run on another worker
    weft_test::ParkWatch watch;
    auto reader = weft::spawn([&] {
      watch.publish();
      CHECK_FALSE(m.try_lock_shared());
      std::shared_lock lock(m);
      read = true;
    });
    REQUIRE(watch.yield_until_parked());
    CHECK_FALSE(read);
    m.unlock();
    reader.join();
    CHECK(read);
    CHECK(m.reader_count() == 0);
  });
}

TEST_CASE("SharedMutex: a waiting writer holds back new readers (writer preference)",
          "[shared_mutex]") {
  weft::run([] {
    weft::SharedMutex m;
    std::vector<std::string> order;  // plain: the writer and the reader take turns
    m.lock_shared();  // an early reader
    weft_test::ParkWatch writer_watch, reader_watch;
    auto writer = weft::spawn([&] {
      writer_watch.publish();
      std::unique_lock lock(m);
      order.push_back("writer");
    });
    REQUIRE(writer_watch.yield_until_parked());
    auto late_reader = weft::spawn([&] {
      reader_watch.publish();
      CHECK_FALSE(m.try_lock_shared());
      std::shared_lock lock(m);
      order.push_back("late reader");
    });
    REQUIRE(reader_watch.yield_until_parked());
    CHECK(order.empty());
    m.unlock_shared();
    writer.join();
    late_reader.join();
    CHECK(order == std::vector<std::string>{"writer", "late reader"});
  });
}

TEST_CASE("SharedMutex: writers are served FIFO before queued readers", "[shared_mutex]") {
  weft::run([] {
    weft::SharedMutex m;
    std::vector<std::string> order;
    weft::Mutex order_lock;  // the two readers hold `m` together, maybe on two workers
    auto record = [&](const std::string& name) {
      std::lock_guard guard(order_lock);
      order.push_back(name);
    };
    m.lock();
    std::vector<weft::JoinHandle<void>> fibers;
    std::vector<std::unique_ptr<weft_test::ParkWatch>> watches;
    auto add = [&](std::string name, bool exclusive) {
      auto& watch = *watches.emplace_back(std::make_unique<weft_test::ParkWatch>());
      fibers.push_back(weft::spawn([&, name, exclusive] {
        watch.publish();
        if (exclusive) {
          std::unique_lock lock(m);
          record(name);
        } else {
          std::shared_lock lock(m);
          record(name);
        }
      }));
      REQUIRE(watch.yield_until_parked());  // queued in this order
    };
    add("r1", false);
    add("w1", true);
    add("r2", false);
    add("w2", true);
    m.unlock();
    for (auto& f : fibers) f.join();
    REQUIRE(order.size() == 4);
    // The writers in FIFO order, then both readers (together: in either order).
    CHECK(std::vector<std::string>(order.begin(), order.begin() + 2) == std::vector<std::string>{"w1", "w2"});
    CHECK_THAT(std::vector<std::string>(order.begin() + 2, order.end()),
               Catch::Matchers::UnorderedEquals(std::vector<std::string>{"r1", "r2"}));
  });
}

TEST_CASE("SharedMutex: timed tries time out in both modes", "[shared_mutex][timeout]") {
  weft::run([] {
    weft::SharedMutex m;
    m.lock_shared();
    auto w = weft::spawn([&] {
      const weft::TimePoint start = weft::now();
      CHECK_FALSE(m.try_lock_for(10ms));
      CHECK(weft_test::ms_since(start) >= 9.5);
    });
    w.join();
    // The timed-out writer is gone: readers are not held back by it.
    auto r = weft::spawn([&] {
      CHECK(m.try_lock_shared());
      m.unlock_shared();
    });
    r.join();
    m.unlock_shared();
    m.lock();
    auto r2 = weft::spawn([&] {
      CHECK_FALSE(m.try_lock_shared_for(5ms));
      CHECK_FALSE(m.try_lock_shared_until(std::chrono::system_clock::now() + 2ms));
    });
    r2.join();
    m.unlock();
    CHECK(m.try_lock_until(weft::now() + 1ms));
    m.unlock();
  });
}

TEST_CASE("SharedMutex: a cancelled writer lets the readers queued behind it in",
          "[shared_mutex][cancel]") {
  weft::run([] {
    weft::SharedMutex m;
    m.lock_shared();
    bool cancelled = false;
    std::atomic<bool> read{false};  // read while `reader` may run on another worker
    weft_test::ParkWatch writer_watch, reader_watch;
    auto writer = weft::spawn([&] {
      writer_watch.publish();
      try {
        m.lock();
        m.unlock();
      } catch (const weft::Cancelled&) {
        cancelled = true;
      }
    });
    REQUIRE(writer_watch.yield_until_parked());
    auto reader = weft::spawn([&] {
      reader_watch.publish();
      std::shared_lock lock(m);
      read = true;
    });
    REQUIRE(reader_watch.yield_until_parked());
    CHECK_FALSE(read);  // held back by the waiting writer
    writer.cancel();
    writer.join();
    reader.join();
    CHECK(cancelled);
    CHECK(read);
    CHECK(m.reader_count() == 1);
    m.unlock_shared();
    CHECK(m.try_lock());
    m.unlock();
  });
}

TEST_CASE("SharedMutex: a cancelled reader leaves no trace", "[shared_mutex][cancel]") {
  weft::run([] {
    weft::SharedMutex m;
    m.lock();
    CHECK(weft_test::cancelled_while_blocked([&] { m.lock_shared(); }));
    m.unlock();
    CHECK(m.reader_count() == 0);
    CHECK(m.try_lock());
    m.unlock();
  });
}

TEST_CASE("SharedMutex: misuse is reported", "[shared_mutex][errors]") {
  weft::run([] {
    weft::SharedMutex m("config");
    CHECK_THROWS_WITH(m.unlock(), Catch::Contains("not locked"));
    CHECK_THROWS_WITH(m.unlock_shared(), Catch::Contains("nobody holds it shared"));
    m.lock();
    CHECK_THROWS_AS(m.lock(), weft::UsageError);
    CHECK_THROWS_AS(m.lock_shared(), weft::UsageError);
    auto other = weft::spawn(
        [&] {
          CHECK_THROWS_WITH(m.unlock(), Catch::Contains("'intruder'") &&
                                            Catch::Contains("'config'") &&
                                            Catch::Contains("exclusively by fiber 'main'"));
        },
        {.name = "intruder"});
    other.join();
    m.unlock();
  });
}
