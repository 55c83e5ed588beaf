// The M:N cases: weft on two workers against weft on one, against two kernel threads
// passing a futex, and against Boost.Fiber's work_stealing scheduler. Each runs in a
// fresh process per measurement: a runtime with several workers stops biasing locks
// for the rest of its process, which must not touch the single-worker cases.
//
//   skynet_2w         the 1M-leaf skynet tree on 2 workers; peers: weft on 1 worker,
//                     Boost.Fiber work_stealing on 2 threads
//   xworker_pingpong  a channel round trip between two fibers pinned to different
//                     workers; peer: two kernel threads ping-ponging through a futex
//   parallel_cpu      16 CPU-bound fibers on 2 workers; peers: the same on 1 worker,
//                     the same arithmetic on two plain kernel threads (what the machine
//                     gives any program)
//   parallel_cpu_pinned  the same on 2 workers pinned to CPUs (pin_workers); peers: 1
//                     worker, two kernel threads pinned the same way
//   idle_cpu_2w       CPU used by a 2-worker runtime with nothing to do; peer:
//                     Boost.Fiber work_stealing on 2 threads
#include <linux/futex.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/algo/work_stealing.hpp>
#include <boost/fiber/barrier.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>
#include <boost/context/stack_traits.hpp>
#include <boost/fiber/fixedsize_stack.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "boost_work_stealing.hpp"
#include "runtime_options.hpp"
#include "go_peer.hpp"
#include "process.hpp"
#include "skynet_tree.hpp"

namespace weft::bench {

namespace {

// ---- skynet on two workers --------------------------------------------------------

double weft_skynet_on(std::size_t workers, const Options& options) {
  return time_weft_skynet(workers == 1 ? "skynet_2w on weft 1 worker" : "skynet_2w on weft 2 workers", workers,
                          options);
}

#if WEFT_BENCH_BOOST_FIBER
// fixedsize_stack: the pooled allocator is not thread-safe, and stolen fibers spawn on
// the other thread.
using BoostStacks = boost::fibers::fixedsize_stack;

// Boost.Fiber's work_stealing on 2 threads.
double boost_skynet_work_stealing(const Options& options) {
  skip_unless_room_for_boost_skynet(options);
  const std::uint64_t size = skynet_leaves(options);
  const auto [ms, total] = on_boost_work_stealing(2, [size] {
    const auto start = Clock::now();
    std::uint64_t sum = 0;
    {
      BoostStacks pool(2 * boost::context::stack_traits::page_size());
      sum = boost_skynet(pool, boost::fibers::launch::post, 0, size);
    }
    return std::pair{elapsed_ns(start) / 1e6, sum};
  });
  verify_skynet("skynet_2w on boost.fiber work_stealing", size, total);
  return ms;
}
#else
double boost_skynet_work_stealing(const Options&) { throw Skip(kNoBoostFiber); }
#endif

// Go's skynet (tools/bench/peers/skynet.go) with GOMAXPROCS threads; it times itself.
double go_skynet(int procs, const Options& options) {
  const std::string program = go_program(WEFT_BENCH_GO_SKYNET_SOURCE, WEFT_BENCH_BUILD_DIR "/go_skynet");
  const std::uint64_t size = skynet_leaves(options);
  Process go({program, "-leaves", std::to_string(size)}, {"GOMAXPROCS=" + std::to_string(procs)});
  const std::string line = go.read_line(after(std::chrono::seconds(120)));
  unsigned long long total = 0;
  double ms = 0;
  if (std::sscanf(line.c_str(), "%llu %lf", &total, &ms) != 2) throw Failure("cannot read go skynet's line '" + line + "'");
  if (go.finish(after(std::chrono::seconds(10))) != 0) throw Failure("go skynet failed");
  verify_skynet("skynet_2w on go", size, total);
  return ms;
}

// ---- a round trip between two workers ------------------------------------------------

std::int64_t round_trips(const Options& options) { return options.quick ? 2'000 : 50'000; }

double weft_xworker(const Options& options) {
  const std::int64_t n = round_trips(options);
  return weft::run(
      [n] {
        weft::Channel<std::int64_t> ping, pong;  // unbuffered: every send meets its receiver
        auto echo = weft::spawn_on(1, [&] {
          while (auto v = ping.recv()) pong.send(*v);
        });
        const auto start = Clock::now();
        std::int64_t sum = 0;
        for (std::int64_t i = 0; i < n; ++i) {
          ping.send(i);
          sum += pong.recv().value();
        }
        const double ns = elapsed_ns(start);
        ping.close();
        echo.join();
        if (sum != n * (n - 1) / 2) throw Failure("xworker_pingpong: wrong sum " + std::to_string(sum));
        return ns / static_cast<double>(n);
      },
      on_workers(2));
}

// The floor: two kernel threads hand a token back and forth through a futex word each.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t seen) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

double futex_xthread(const Options& options) {
  const std::int64_t n = round_trips(options);
  std::atomic<std::uint32_t> to_echo{0}, to_main{0};
  std::thread echo([&] {
    for (std::uint32_t i = 1; i <= static_cast<std::uint32_t>(n); ++i) {
      while (to_echo.load(std::memory_order_acquire) != i) futex_wait(to_echo, i - 1);
      to_main.store(i, std::memory_order_release);
      futex_wake(to_main);
    }
  });
  const auto start = Clock::now();
  for (std::uint32_t i = 1; i <= static_cast<std::uint32_t>(n); ++i) {
    to_echo.store(i, std::memory_order_release);
    futex_wake(to_echo);
    while (to_main.load(std::memory_order_acquire) != i) futex_wait(to_main, i - 1);
  }
  const double ns = elapsed_ns(start);
  echo.join();
  return ns / static_cast<double>(n);
}

// ---- CPU-bound fibers ----------------------------------------------------------------

constexpr int kCpuFibers = 16;

std::int64_t crunch_rounds(const Options& options) { return options.quick ? 200 : 5'000; }

// A fixed amount of arithmetic (about 5 ms here); a fiber yields now and then, as a
// cooperative fiber should.
template <bool kFiber>
std::uint64_t crunch(std::uint64_t seed, std::int64_t rounds) {
  std::uint64_t x = seed | 1;
  for (std::int64_t r = 0; r < rounds; ++r) {
    for (int i = 0; i < 1000; ++i) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    if constexpr (kFiber)
      if (r % 64 == 0) weft::this_fiber::yield();
  }
  return x;
}

double weft_parallel_cpu_on(std::size_t workers, bool pinned, const Options& options) {
  const std::int64_t rounds = crunch_rounds(options);
  weft::RuntimeOptions runtime = on_workers(workers);
  runtime.pin_workers = pinned;
  const auto start = Clock::now();
  const std::uint64_t mixed = weft::run(
      [rounds] {
        std::vector<weft::JoinHandle<std::uint64_t>> fibers;
        for (int f = 0; f < kCpuFibers; ++f)
          fibers.push_back(weft::spawn([f, rounds] { return crunch<true>(static_cast<std::uint64_t>(f), rounds); }));
        std::uint64_t all = 0;
        for (auto& fiber : fibers) all ^= fiber.join();
        return all;
      },
      runtime);
  keep(mixed);
  return elapsed_ns(start) / 1e6;
}

// The same 16 crunches on two plain threads (8 each, the caller being one), each bound
// to its own CPU if `pinned`, as pin_workers binds workers.
double threads_parallel_cpu(bool pinned, const Options& options) {
  const std::int64_t rounds = crunch_rounds(options);
  cpu_set_t before;
  ::sched_getaffinity(0, sizeof before, &before);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &before)) cpus.push_back(cpu);
  auto half = [&](int index, std::uint64_t* out) {
    if (pinned) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpus[static_cast<std::size_t>(index) % cpus.size()], &one);
      ::sched_setaffinity(0, sizeof one, &one);
    }
    std::uint64_t all = 0;
    for (int f = index * kCpuFibers / 2; f < (index + 1) * kCpuFibers / 2; ++f)
      all ^= crunch<false>(static_cast<std::uint64_t>(f), rounds);
    *out = all;
  };
  std::uint64_t first = 0, second = 0;
  const auto start = Clock::now();
  std::thread other(half, 1, &second);
  half(0, &first);
  other.join();
  const double ms = elapsed_ns(start) / 1e6;
  ::sched_setaffinity(0, sizeof before, &before);
  keep(first ^ second);
  return ms;
}

// ---- an idle runtime ----------------------------------------------------------------

// CPU time of the whole process (every thread), in seconds.
double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::chrono::milliseconds idle_time(const Options& options) {
  return options.quick ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
}

// Percent of one CPU the process used while its one fiber slept (after a settling 100 ms).
double weft_idle_cpu(const Options& options) {
  double percent = 0;
  weft::run(
      [&] {
        weft::this_fiber::sleep_for(std::chrono::milliseconds(100));
        const double before = process_cpu_seconds();
        const auto start = Clock::now();
        weft::this_fiber::sleep_for(idle_time(options));
        percent = (process_cpu_seconds() - before) / (elapsed_ns(start) / 1e9) * 100;
      },
      on_workers(2));
  return percent;
}

#if WEFT_BENCH_BOOST_FIBER
double boost_idle_cpu(bool suspend, const Options& options) {
  return on_boost_work_stealing(
      2,
      [&] {
        boost::this_fiber::sleep_for(std::chrono::milliseconds(100));
        const double before = process_cpu_seconds();
        const auto start = Clock::now();
        boost::this_fiber::sleep_for(idle_time(options));
        return (process_cpu_seconds() - before) / (elapsed_ns(start) / 1e9) * 100;
      },
      suspend);
}
#else
double boost_idle_cpu(bool, const Options&) { throw Skip(kNoBoostFiber); }
#endif

}  // namespace

Case idle_cpu_case() {
  Case c;
  c.name = "idle_cpu_2w";
  c.unit = "% of a CPU";
  c.better = Better::Lower;
  c.about = "a runtime with 2 workers whose only fiber sleeps 5 s: CPU time of the process over "
            "the wall time, against Boost.Fiber work_stealing on 2 threads";
  c.isolate = true;
  c.weft = {"weft", "2 workers, one fiber in sleep_for", weft_idle_cpu};
  c.peers.push_back({"boost.fiber_work_stealing_suspend",
                     boost_fiber_label("2 threads, suspend=true, one fiber in this_fiber::sleep_for", "work_stealing"),
                     [](const Options& o) { return boost_idle_cpu(true, o); }});
  c.peers.push_back({"boost.fiber_work_stealing",
                     boost_fiber_label("2 threads, suspend=false (its default), one fiber in this_fiber::sleep_for",
                                       "work_stealing"),
                     [](const Options& o) { return boost_idle_cpu(false, o); }});
  return c;
}

Case skynet_2w_case() {
  Case c;
  c.name = "skynet_2w";
  c.unit = "ms";
  c.better = Better::Lower;
  c.about = "the skynet tree (1M leaves) on 2 workers against 1 worker, Go (GOMAXPROCS 1, 2) and "
            "Boost.Fiber work_stealing; one fresh process per run; wall time and peak RSS";
  c.isolate = true;
  c.weft = {"weft", "weft::spawn/join on 2 workers (work stealing)",
            [](const Options& o) { return weft_skynet_on(2, o); }};
  c.peers.push_back({"weft_1_worker", "weft::spawn/join on 1 worker",
                     [](const Options& o) { return weft_skynet_on(1, o); }});
  c.peers.push_back({"go_1", "Go goroutines and channels, GOMAXPROCS=1",
                     [](const Options& o) { return go_skynet(1, o); }});
  c.peers.push_back({"go_2", "Go goroutines and channels, GOMAXPROCS=2",
                     [](const Options& o) { return go_skynet(2, o); }});
  c.peers.push_back({"boost.fiber_work_stealing",
                     boost_fiber_label("2 threads, launch::post, 8 KiB stacks", "work_stealing"),
                     boost_skynet_work_stealing, {"LD_BIND_NOW=1"}});
  return c;
}

Case xworker_pingpong_case() {
  Case c;
  c.name = "xworker_pingpong";
  c.unit = "ns/round trip";
  c.better = Better::Lower;
  c.about = "a round trip over unbuffered channels between fibers pinned to 2 workers, "
            "against 2 threads and a futex";
  c.isolate = true;
  c.weft = {"weft", "weft::Channel send/recv, fibers pinned to workers 0 and 1", weft_xworker};
  c.peers.push_back({"futex", "two kernel threads, one futex word each way", futex_xthread});
  return c;
}

namespace {

// parallel_cpu, and with pin_workers parallel_cpu_pinned: the same fibers against 1
// worker (the speedup) and against two plain threads bound the same way.
Case parallel_cpu_case_with(bool pinned) {
  Case c;
  c.name = pinned ? "parallel_cpu_pinned" : "parallel_cpu";
  c.unit = "ms";
  c.better = Better::Lower;
  c.about = pinned ? "parallel_cpu with each worker pinned to a CPU (pin_workers), against 1 worker "
                     "and 2 pinned kernel threads"
                   : "16 CPU-bound fibers (yielding every 64 rounds) on 2 workers against 1 worker "
                     "(the ratio is the speedup) and 2 kernel threads";
  c.isolate = true;
  c.weft = {"weft", pinned ? "16 fibers on 2 pinned workers" : "16 fibers on 2 workers",
            [pinned](const Options& o) { return weft_parallel_cpu_on(2, pinned, o); }};
  c.peers.push_back({"1 worker", "the same 16 fibers on 1 worker",
                     [](const Options& o) { return weft_parallel_cpu_on(1, false, o); }});
  c.peers.push_back({pinned ? "2 pinned threads" : "2 threads",
                     pinned ? "the same arithmetic on 2 kernel threads, each pinned to a CPU"
                            : "the same arithmetic on 2 kernel threads, 8 crunches each, no yields",
                     [pinned](const Options& o) { return threads_parallel_cpu(pinned, o); }});
  return c;
}

}  // namespace

Case parallel_cpu_case() { return parallel_cpu_case_with(false); }
Case parallel_cpu_pinned_case() { return parallel_cpu_case_with(true); }

}  // namespace weft::bench
