// chan_throughput: millions of ints per second from one producer fiber to one consumer
// fiber through a 1024-value channel, on one worker (chan_throughput) and on two
// (chan_throughput_2w, against Boost.Fiber's work_stealing on two threads).
#include <cstdint>
#include <string>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/fiber.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "boost_work_stealing.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

constexpr std::size_t kCapacity = 1024;

// Values sent, 0 .. n - 1 (all fit an int).
std::int64_t items(const Options& options) { return options.quick ? 100'000 : 10'000'000; }

// What the consumer saw: how many values and their sum; and the sends that failed.
struct Tally {
  std::int64_t received = 0;
  std::uint64_t sum = 0;
  std::int64_t failed_sends = 0;
};

// Fails loudly unless the consumer got exactly 0 .. n - 1.
void verify(const std::string& who, std::int64_t n, const Tally& tally) {
  const auto expected = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(n - 1) / 2;
  if (tally.received != n || tally.sum != expected || tally.failed_sends != 0)
    throw Failure("chan_throughput on " + who + ": received " + std::to_string(tally.received) +
                  " values summing to " + std::to_string(tally.sum) + ", expected " +
                  std::to_string(n) + " summing to " + std::to_string(expected) + "; " +
                  std::to_string(tally.failed_sends) + " failed sends");
}

// Millions of items per second.
double rate(std::int64_t n, double ns) { return static_cast<double>(n) / ns * 1e3; }

double weft_throughput_on(std::size_t workers, const Options& options) {
  const std::int64_t n = items(options);
  Tally tally;
  const double ns = weft::run([n, &tally] {
    weft::Channel<int> channel(kCapacity);
    auto start = Clock::now();
    auto consumer = weft::spawn([&channel, &tally] {
      while (auto r = channel.recv()) {
        ++tally.received;
        tally.sum += static_cast<std::uint64_t>(*r);
      }
    });
    auto producer = weft::spawn([n, &channel, &tally] {
      for (std::int64_t i = 0; i < n; ++i)
        if (channel.send(static_cast<int>(i)) != ChannelStatus::ok) ++tally.failed_sends;
      channel.close();
    });
    producer.join();
    consumer.join();
    return elapsed_ns(start);
  }, on_workers(workers));
  verify("weft on " + std::to_string(workers) + " worker(s)", n, tally);
  return rate(n, ns);
}

#if WEFT_BENCH_BOOST_FIBER
double boost_fiber_throughput_measured(const std::string& who, const Options& options) {
  using boost::fibers::channel_op_status;
  const std::int64_t n = items(options);
  Tally tally;
  boost::fibers::buffered_channel<int> channel(kCapacity);
  auto start = Clock::now();
  boost::fibers::fiber consumer([&channel, &tally] {
    int v = 0;
    while (channel.pop(v) == channel_op_status::success) {
      ++tally.received;
      tally.sum += static_cast<std::uint64_t>(v);
    }
  });
  boost::fibers::fiber producer([n, &channel, &tally] {
    for (std::int64_t i = 0; i < n; ++i)
      if (channel.push(static_cast<int>(i)) != channel_op_status::success) ++tally.failed_sends;
    channel.close();
  });
  producer.join();
  consumer.join();
  const double ns = elapsed_ns(start);
  verify(who, n, tally);
  return rate(n, ns);
}
double boost_fiber_throughput(const Options& options) { return boost_fiber_throughput_measured("boost.fiber", options); }
double boost_fiber_throughput_2_threads(const Options& options) {
  return on_boost_work_stealing(2, [&] { return boost_fiber_throughput_measured("boost.fiber work_stealing", options); });
}
#else
double boost_fiber_throughput(const Options&) { throw Skip(kNoBoostFiber); }
double boost_fiber_throughput_2_threads(const Options&) { throw Skip(kNoBoostFiber); }
#endif

}  // namespace

Case chan_throughput_case() {
  Case c;
  c.name = "chan_throughput";
  c.unit = "M items/s";
  c.better = Better::Higher;
  c.about = "one producer fiber sends 10M ints to one consumer fiber through a "
            "1024-value channel, one worker; items per second";
  c.weft = {"weft", "weft::Channel<int>(" + std::to_string(kCapacity) + ") send/recv (1 worker)",
            [](const Options& o) { return weft_throughput_on(1, o); }};
  // Boost's buffered_channel keeps one slot free: capacity 1024 holds 1023 values.
  c.peers.push_back({"boost.fiber",
                     boost_fiber_label("buffered_channel<int>(" + std::to_string(kCapacity) +
                                       ") push/pop, holds " + std::to_string(kCapacity - 1) +
                                       " values"),
                     boost_fiber_throughput});
  return c;
}

Case chan_throughput_2w_case() {
  Case c;
  c.name = "chan_throughput_2w";
  c.unit = "M items/s";
  c.better = Better::Higher;
  c.about = "chan_throughput with 2 workers against Boost.Fiber work_stealing on 2 threads; "
            "one fresh process per run";
  c.isolate = true;  // a work_stealing thread keeps its scheduler for good
  c.weft = {"weft", "weft::Channel<int>(" + std::to_string(kCapacity) + ") send/recv (2 workers, fibers free to move)",
            [](const Options& o) { return weft_throughput_on(2, o); }};
  c.peers.push_back({"boost.fiber_work_stealing",
                     boost_fiber_label("buffered_channel<int>(" + std::to_string(kCapacity) + ") push/pop, 2 threads",
                                       "work_stealing"),
                     boost_fiber_throughput_2_threads});
  return c;
}

}  // namespace weft::bench
