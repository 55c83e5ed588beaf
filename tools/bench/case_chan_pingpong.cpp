// chan_pingpong_0, chan_pingpong_1: ns per round trip while two fibers on one worker
// bounce an int over a pair of channels (ping -> pong on one, pong -> ping on the other),
// once over rendezvous channels (capacity 0) and once over one-value buffers.
#include <cstdint>
#include <string>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

// Round trips; each is two sends and two receives.
std::int64_t round_trips(const Options& options) { return options.quick ? 10'000 : 1'000'000; }

// Boost's buffered_channel wants a power of two >= 2 and keeps one slot free, so this
// is the smallest one it has: it holds one value, like weft::Channel<int>(1).
constexpr std::size_t kBoostSmallestBuffer = 2;

// What one side saw: the sum of the replies and the operations that did not succeed.
struct Tally {
  std::int64_t sum = 0;
  std::int64_t failed = 0;
};

// Fails loudly unless ping got back i + 1 for every i = 0 .. n - 1.
void verify(const std::string& who, std::int64_t n, const Tally& tally) {
  const std::int64_t expected = n * (n - 1) / 2 + n;
  if (tally.failed != 0 || tally.sum != expected)
    throw Failure(who + ": " + std::to_string(tally.failed) + " failed operations, replies sum to " +
                  std::to_string(tally.sum) + ", expected " + std::to_string(expected));
}

double weft_pingpong(std::size_t capacity, const Options& options) {
  const std::int64_t n = round_trips(options);
  Tally tally;
  const double ns = weft::run([n, capacity, &tally] {
    weft::Channel<int> to_pong(capacity);
    weft::Channel<int> to_ping(capacity);
    double elapsed = 0;
    auto pong = weft::spawn([n, &to_pong, &to_ping, &tally] {
      for (std::int64_t i = 0; i < n; ++i) {
        auto r = to_pong.recv();
        if (!r || to_ping.send(*r + 1) != ChannelStatus::ok) ++tally.failed;
      }
    });
    auto ping = weft::spawn([n, &to_pong, &to_ping, &tally, &elapsed] {
      auto start = Clock::now();
      for (std::int64_t i = 0; i < n; ++i) {
        if (to_pong.send(static_cast<int>(i)) != ChannelStatus::ok) ++tally.failed;
        if (auto r = to_ping.recv())
          tally.sum += *r;
        else
          ++tally.failed;
      }
      elapsed = elapsed_ns(start);
    });
    ping.join();
    pong.join();
    return elapsed;
  }, on_workers(1));
  verify("chan_pingpong_" + std::to_string(capacity) + " on weft", n, tally);
  return ns / static_cast<double>(n);
}

double weft_pingpong_0(const Options& options) { return weft_pingpong(0, options); }
double weft_pingpong_1(const Options& options) { return weft_pingpong(1, options); }

#if WEFT_BENCH_BOOST_FIBER
// The same two fibers over Boost.Fiber channels of type Channel.
template <class Channel>
double boost_pingpong(Channel& to_pong, Channel& to_ping, const std::string& who,
                      const Options& options) {
  using boost::fibers::channel_op_status;
  const std::int64_t n = round_trips(options);
  Tally tally;
  double elapsed = 0;
  boost::fibers::fiber pong([n, &to_pong, &to_ping, &tally] {
    for (std::int64_t i = 0; i < n; ++i) {
      int v = 0;
      if (to_pong.pop(v) != channel_op_status::success ||
          to_ping.push(v + 1) != channel_op_status::success)
        ++tally.failed;
    }
  });
  boost::fibers::fiber ping([n, &to_pong, &to_ping, &tally, &elapsed] {
    auto start = Clock::now();
    for (std::int64_t i = 0; i < n; ++i) {
      if (to_pong.push(static_cast<int>(i)) != channel_op_status::success) ++tally.failed;
      int v = 0;
      if (to_ping.pop(v) == channel_op_status::success)
        tally.sum += v;
      else
        ++tally.failed;
    }
    elapsed = elapsed_ns(start);
  });
  ping.join();
  pong.join();
  verify(who, n, tally);
  return elapsed / static_cast<double>(n);
}

double boost_pingpong_0(const Options& options) {
  boost::fibers::unbuffered_channel<int> to_pong;
  boost::fibers::unbuffered_channel<int> to_ping;
  return boost_pingpong(to_pong, to_ping, "chan_pingpong_0 on boost.fiber", options);
}

double boost_pingpong_1(const Options& options) {
  boost::fibers::buffered_channel<int> to_pong(kBoostSmallestBuffer);
  boost::fibers::buffered_channel<int> to_ping(kBoostSmallestBuffer);
  return boost_pingpong(to_pong, to_ping, "chan_pingpong_1 on boost.fiber", options);
}
#else
double boost_pingpong_0(const Options&) { throw Skip(kNoBoostFiber); }
double boost_pingpong_1(const Options&) { throw Skip(kNoBoostFiber); }
#endif

}  // namespace

Case chan_pingpong_0_case() {
  Case c;
  c.name = "chan_pingpong_0";
  c.unit = "ns/round trip";
  c.better = Better::Lower;
  c.about = "two fibers bounce an int over two rendezvous channels, one worker; "
            "time per round trip (two sends, two receives)";
  c.weft = {"weft", "weft::Channel<int>(0) send/recv (1 worker)", weft_pingpong_0};
  c.peers.push_back({"boost.fiber", boost_fiber_label("unbuffered_channel<int> push/pop"),
                     boost_pingpong_0});
  return c;
}

Case chan_pingpong_1_case() {
  Case c;
  c.name = "chan_pingpong_1";
  c.unit = "ns/round trip";
  c.better = Better::Lower;
  c.about = "two fibers bounce an int over two one-value channels, one worker; "
            "time per round trip (two sends, two receives)";
  c.weft = {"weft", "weft::Channel<int>(1) send/recv (1 worker)", weft_pingpong_1};
  c.peers.push_back({"boost.fiber",
                     boost_fiber_label("buffered_channel<int>(" +
                                       std::to_string(kBoostSmallestBuffer) +
                                       ") push/pop: smallest power of two, holds 1 value"),
                     boost_pingpong_1});
  return c;
}

}  // namespace weft::bench
