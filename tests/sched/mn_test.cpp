// M:N: one runtime on several kernel threads. Fibers spread over the workers and finish,
// migrate with their thread-local state intact, stay where they are pinned, pass
// messages and locks across workers, sleep on time, see fd readiness, and a deadlock
// across workers is reported like one on a single worker. Runs with 2 and 4 workers.
#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

weft::RuntimeOptions on_workers(std::size_t n) {
  weft::RuntimeOptions options;
  options.workers = n;
  return options;
}

// Busy for about `d` without yielding: gives idle workers time to steal.
void spin_for(std::chrono::nanoseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

// The kernel thread running the caller. Not kernel_thread(): pthread_self()
// is declared const, so the compiler may read it once and keep it across a switch after
// which the fiber runs on another thread.
long kernel_thread() { return ::syscall(SYS_gettid); }

int threads_in_process() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

TEST_CASE("fibers spread over every worker and all of them finish", "[mn]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  std::mutex lock;
  std::set<long> threads;
  std::atomic<int> done{0};
  weft::Runtime runtime(on_workers(workers));
  REQUIRE(runtime.scheduler().worker_count() == workers);
  runtime.run([&] {
    std::vector<weft::JoinHandle<void>> fibers;
    for (int i = 0; i < 64; ++i)
      fibers.push_back(weft::spawn([&] {
        for (int step = 0; step < 20; ++step) {
          spin_for(50us);
          {
            std::lock_guard guard(lock);
            threads.insert(kernel_thread());
          }
          weft::this_fiber::yield();
        }
        done.fetch_add(1);
      }));
    for (auto& f : fibers) f.join();
    const weft::RuntimeStats stats = weft::stats();
    REQUIRE(stats.workers.size() == workers);
    std::uint64_t steals = 0;
    for (const auto& w : stats.workers) steals += w.steals;
    CHECK(steals > 0);
  });
  CHECK(done == 64);
  CHECK(threads.size() >= 2);  // the work did not stay on one thread
}

TEST_CASE("a fiber that migrates keeps its id, fiber-locals and exception state", "[mn]") {
  static weft::FiberLocal<int> tag;
  std::atomic<int> migrations{0};
  std::atomic<int> wrong{0};
  weft::run(
      [&] {
        std::vector<weft::JoinHandle<void>> fibers;
        for (int i = 0; i < 8; ++i)
          fibers.push_back(weft::spawn([&, i] {
            tag.get() = i;
            const weft::FiberId id = weft::this_fiber::id();
            try {
              throw std::runtime_error("in flight " + std::to_string(i));
            } catch (const std::runtime_error&) {
              // Inside a catch block across switches: the caught exception is the fiber's.
              long last = kernel_thread();
              for (int step = 0; step < 200; ++step) {
                spin_for(20us);
                // Now and then a fiber sleeps: a worker whose fibers all sleep goes
                // idle and steals from the other, so fibers keep moving.
                if (step % 4 == i % 4)
                  weft::this_fiber::sleep_for(1ms);
                else
                  weft::this_fiber::yield();
                if (kernel_thread() != last) {
                  migrations.fetch_add(1);
                  last = kernel_thread();
                }
                std::exception_ptr current = std::current_exception();
                bool same = false;
                try {
                  std::rethrow_exception(current);
                } catch (const std::runtime_error& e) {
                  same = std::string(e.what()) == "in flight " + std::to_string(i);
                }
                if (!same || tag.get() != i || weft::this_fiber::id() != id || std::uncaught_exceptions() != 0)
                  wrong.fetch_add(1);
              }
            }
            if (std::current_exception() != nullptr) wrong.fetch_add(1);  // the catch ended
          }));
        for (auto& f : fibers) f.join();
      },
      on_workers(2));
  CHECK(wrong == 0);
  CHECK(migrations > 0);
}

TEST_CASE("spawn_on pins a fiber to its worker; a missing worker is refused", "[mn]") {
  weft::run(
      [] {
        long first = 0;
        std::atomic<int> moved{0};
        auto pinned = weft::spawn_on(1, [&] {
          first = kernel_thread();
          for (int i = 0; i < 200; ++i) {
            weft::this_fiber::sleep_for(i % 10 == 0 ? 1ms : 0ms);
            weft::this_fiber::yield();
            if (kernel_thread() != first) moved.fetch_add(1);
          }
        });
        // Keep worker 1 busy with stealable work too: the pinned fiber still stays.
        std::vector<weft::JoinHandle<void>> others;
        for (int i = 0; i < 16; ++i)
          others.push_back(weft::spawn([] {
            for (int s = 0; s < 50; ++s) {
              spin_for(20us);
              weft::this_fiber::yield();
            }
          }));
        pinned.join();
        for (auto& o : others) o.join();
        CHECK(moved == 0);
        CHECK(first != kernel_thread());  // main runs on worker 0, it on worker 1
        CHECK_THROWS_AS(weft::spawn_on(2, [] {}), weft::UsageError);
      },
      on_workers(2));
}

TEST_CASE("pinned fibers on different workers pass messages and share a mutex", "[mn]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  weft::run(
      [workers] {
        weft::Channel<int> ping(1), pong(1);
        auto a = weft::spawn_on(0, [&] {
          long sum = 0;
          for (int i = 0; i < 5000; ++i) {
            ping.send(i);
            sum += pong.recv().value();
          }
          ping.close();
          return sum;
        });
        auto b = weft::spawn_on(workers - 1, [&] {
          while (auto v = ping.recv()) pong.send(*v * 2);
        });
        CHECK(a.join() == 2L * (5000L * 4999L / 2));
        b.join();

        weft::Mutex mutex;
        long counter = 0;  // guarded by mutex: TSan checks the hand-over between threads
        std::vector<weft::JoinHandle<void>> adders;
        for (std::size_t i = 0; i < 2 * workers; ++i)
          adders.push_back(weft::spawn_on(i % workers, [&] {
            for (int k = 0; k < 2000; ++k) {
              std::lock_guard guard(mutex);
              ++counter;
            }
          }));
        for (auto& f : adders) f.join();
        CHECK(counter == static_cast<long>(2 * workers * 2000));
      },
      on_workers(workers));
}

// A fiber whose worker has nothing else to run watches its wait word a moment before it
// parks. Claims land before that, during it, as it gives up, and after it parked: the
// echo side waits 0 to 6 us, around the spin's length, before it answers. A claim that
// lost the race with the end of the spin would leave both fibers blocked (a deadlock:
// run() throws); a cancellation while the fiber spins must end its wait too.
TEST_CASE("a wait claimed while its fiber spins on it, or as it stops, is never lost", "[mn]") {
  const std::size_t workers = GENERATE(2, 4);
  CAPTURE(workers);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  weft::run(
      [&] {
        weft::Channel<int> ping, pong;  // unbuffered: every send meets a waiting receiver
        auto echo = weft::spawn_on(workers - 1, [&] {
          int delay_ns = 0;
          while (auto v = ping.recv()) {
            spin_for(std::chrono::nanoseconds(delay_ns));
            delay_ns = (delay_ns + 200) % 6'200;
            pong.send(*v + 1);
          }
        });
        long sum = 0;
        int rounds = 0;
        for (; rounds < 60'000 && std::chrono::steady_clock::now() < deadline; ++rounds) {
          ping.send(rounds);
          sum += pong.recv().value();
        }
        ping.close();
        echo.join();
        CHECK(rounds >= 1'000);
        CHECK(sum == static_cast<long>(rounds) * (rounds + 1) / 2);

        int cancelled = 0;
        for (int round = 0; round < 2'000; ++round) {
          weft::Channel<int> never;
          auto waiter = weft::spawn_on(0, [&] {
            try {
              (void)never.recv();
            } catch (const weft::Cancelled&) {
              ++cancelled;
            }
          });
          auto canceller = weft::spawn_on(workers - 1, [&, round] {
            spin_for(std::chrono::microseconds(round % 5));
            waiter.cancel();
          });
          canceller.join();
          waiter.join();
        }
        CHECK(cancelled == 2'000);
      },
      on_workers(workers));
}

TEST_CASE("timers fire on time with several workers", "[mn]") {
  // Tolerance: a timer fires when its worker next looks (at once if it sleeps, within
  // 64 switches if it is busy); on a loaded test machine we allow 50 ms (250 ms under
  // the sanitizers, which slow everything several times).
#if defined(WEFT_TSAN) || defined(WEFT_ASAN)
  constexpr auto kTolerance = 250ms;
#else
  constexpr auto kTolerance = 50ms;
#endif
  std::atomic<int> early{0}, late{0};
  std::atomic<long> worst_us{0};
  weft::run(
      [&] {
        std::vector<weft::JoinHandle<void>> sleepers;
        for (int i = 0; i < 100; ++i)
          sleepers.push_back(weft::spawn([&, i] {
            const auto wanted = std::chrono::milliseconds(1 + i % 20);
            const auto start = std::chrono::steady_clock::now();
            weft::this_fiber::sleep_for(wanted);
            const auto took = std::chrono::steady_clock::now() - start;
            if (took < wanted) early.fetch_add(1);
            if (took > wanted + kTolerance) late.fetch_add(1);
            const long us = std::chrono::duration_cast<std::chrono::microseconds>(took - wanted).count();
            for (long w = worst_us.load(); us > w && !worst_us.compare_exchange_weak(w, us);) {
            }
          }));
        for (auto& s : sleepers) s.join();
      },
      on_workers(2));
  INFO("latest timer: " << worst_us.load() << " us after its deadline");
  CHECK(early == 0);
  CHECK(late == 0);
}

TEST_CASE("fd readiness reaches fibers on any worker", "[mn][net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  weft::RuntimeOptions options = on_workers(2);
  options.reactor = [reactor] { return weft::sched::make_reactor(reactor); };
  weft::run(
      [] {
        auto [left, right] = weft::UnixStream::pair();
        auto echo = weft::spawn_on(1, [&right] {
          std::array<std::byte, 64> buffer;
          while (std::size_t n = right.read(buffer, 5s)) right.write_all(std::span(buffer).first(n));
        });
        for (int i = 0; i < 300; ++i) {
          const std::string message = "message " + std::to_string(i);
          left.write_all(std::as_bytes(std::span(message)));
          std::string back(message.size(), '\0');
          REQUIRE(left.read_exact(std::as_writable_bytes(std::span(back)), 5s));
          REQUIRE(back == message);
        }
        left.shutdown(weft::Shutdown::Write);
        echo.join();
      },
      std::move(options));
}

TEST_CASE("a deadlock across workers names the fibers of every worker", "[mn][deadlock]") {
  std::string report;
  try {
    weft::run(
        [] {
          weft::Channel<int> never_a, never_b;
          auto a = weft::spawn_on(0, [&] { (void)never_a.recv(); }, {.name = "left"});
          auto b = weft::spawn_on(1, [&] { (void)never_b.recv(); }, {.name = "right"});
          a.join();
          b.join();
        },
        on_workers(2));
    FAIL("run returned although every fiber blocked for good");
  } catch (const weft::DeadlockError& e) {
    report = e.what();
  }
  INFO(report);
  CHECK_THAT(report, Catch::Contains("all 3 remaining fibers are blocked"));
  CHECK_THAT(report, Catch::Contains("'left' parked: waits on channel"));
  CHECK_THAT(report, Catch::Contains("'right' parked: waits on channel"));
  CHECK_THAT(report, Catch::Contains("'main' parked: waits on join"));
}

TEST_CASE("an idle runtime with two workers uses no CPU, and run() joins its threads", "[mn]") {
  const int threads_before = threads_in_process();
  weft::Runtime runtime(on_workers(2));
  double cpu = 0;
  runtime.run([&] {
    weft::this_fiber::sleep_for(100ms);  // let the workers settle into their sleep
    const double before = process_cpu_seconds();
    weft::this_fiber::sleep_for(1s);
    cpu = process_cpu_seconds() - before;
  });
  CHECK(cpu < 0.01);  // under 1% of one core over the second
  runtime.run([] {});  // a runtime runs again
  CHECK(threads_in_process() <= threads_before + 1);  // + the stall monitor, if it is new
}

TEST_CASE("blocking() and timeouts work from every worker", "[mn]") {
  weft::run(
      [] {
        std::vector<weft::JoinHandle<int>> calls;
        for (int i = 0; i < 16; ++i)
          calls.push_back(weft::spawn([i] {
            return weft::blocking([i] {
              std::this_thread::sleep_for(2ms);
              return i;
            });
          }));
        int sum = 0;
        for (auto& c : calls) sum += c.join();
        CHECK(sum == 120);
        weft::Channel<int> empty;
        CHECK_FALSE(empty.recv_for(5ms).ok());
      },
      on_workers(2));
}

TEST_CASE("WEFT_WORKERS chooses the count; a bad value is refused; unset, one per usable CPU", "[mn]") {
  const char* outer = std::getenv("WEFT_WORKERS");
  const std::string restore = outer ? outer : "";
  ::setenv("WEFT_WORKERS", "3", 1);
  {
    weft::Runtime runtime;
    CHECK(runtime.scheduler().worker_count() == 3);
  }
  ::setenv("WEFT_WORKERS", "many", 1);
  CHECK_THROWS_WITH(weft::Runtime(), Catch::Contains("WEFT_WORKERS='many'"));
  ::unsetenv("WEFT_WORKERS");
  {
    cpu_set_t usable;
    REQUIRE(::sched_getaffinity(0, sizeof usable, &usable) == 0);
    weft::Runtime all;
    CHECK(all.scheduler().worker_count() == static_cast<std::size_t>(CPU_COUNT(&usable)));
    // Fewer CPUs allowed (as under taskset), fewer workers.
    cpu_set_t first;
    CPU_ZERO(&first);
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &usable)) {
        CPU_SET(cpu, &first);
        break;
      }
    REQUIRE(::sched_setaffinity(0, sizeof first, &first) == 0);
    weft::Runtime pinned;
    CHECK(pinned.scheduler().worker_count() == 1);
    REQUIRE(::sched_setaffinity(0, sizeof usable, &usable) == 0);
  }
  weft::RuntimeOptions explicit_one;
  explicit_one.workers = 1;
  weft::Runtime one(explicit_one);
  CHECK(one.scheduler().worker_count() == 1);
  if (!restore.empty()) ::setenv("WEFT_WORKERS", restore.c_str(), 1);
}
