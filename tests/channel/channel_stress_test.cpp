// Multi-thread MPMC stress: 2 or 4 kernel threads, each running its own weft::run with
// producer and consumer fibers over channels shared by all of them. Every value must be
// received exactly once (count, sum and a per-value tally). WEFT_STRESS_ITEMS sets the
// number of values per scenario (the 'fast' suite runs a small count, 'stress' a big one).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;
using weft::Channel;
using weft::ChannelStatus;

namespace {

std::uint64_t item_count() {
  const char* env = std::getenv("WEFT_STRESS_ITEMS");
  return env ? std::strtoull(env, nullptr, 10) : 20000;
}

enum class Mode {
  Plain,   // send / range-for recv
  Timed,   // send_for / recv_for with short timeouts that often expire
  Select,  // select over two channels on both sides
};

const char* to_string(Mode mode) {
  switch (mode) {
    case Mode::Plain: return "plain";
    case Mode::Timed: return "timed";
    case Mode::Select: return "select";
  }
  return "?";
}

struct Shared {
  explicit Shared(std::size_t capacity, std::uint64_t n, int producers)
      : a(capacity), b(capacity), items(n), seen(n), producers_left(producers) {}

  Channel<std::uint64_t> a, b;
  const std::uint64_t items;
  std::vector<std::atomic<std::uint8_t>> seen;
  std::atomic<int> producers_left;
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::uint64_t> sum{0};
  std::atomic<std::uint64_t> duplicates{0};
  std::atomic<std::uint64_t> errors{0};

  void record(std::uint64_t v, std::uint64_t& count, std::uint64_t& total) {
    if (v >= items || seen[v].fetch_add(1, std::memory_order_relaxed) != 0)
      duplicates.fetch_add(1, std::memory_order_relaxed);
    ++count;
    total += v;
  }
};

void produce(Shared& s, Mode mode, std::uint64_t first, std::uint64_t stride) {
  for (std::uint64_t v = first; v < s.items; v += stride) {
    ChannelStatus status = ChannelStatus::ok;
    switch (mode) {
      case Mode::Plain:
        status = s.a.send(std::uint64_t{v});
        break;
      case Mode::Timed: {
        std::uint64_t value = v;
        do status = s.a.send_for(std::move(value), 50us);
        while (status == ChannelStatus::timeout);
        break;
      }
      case Mode::Select: {
        std::uint64_t value = v;
        status = weft::select(weft::on_send(s.a, value), weft::on_send(s.b, value)).status;
        break;
      }
    }
    if (status != ChannelStatus::ok) s.errors.fetch_add(1);
    if (v % 64 == first % 64) weft::this_fiber::yield();
  }
  if (s.producers_left.fetch_sub(1) == 1) {
    s.a.close();
    s.b.close();
  }
}

void consume(Shared& s, Mode mode) {
  std::uint64_t count = 0, total = 0;
  switch (mode) {
    case Mode::Plain:
      for (std::uint64_t v : s.a) s.record(v, count, total);
      break;
    case Mode::Timed:
      for (;;) {
        auto r = s.a.recv_for(50us);
        if (r.status() == ChannelStatus::timeout) continue;
        if (!r) break;
        s.record(*r, count, total);
      }
      break;
    case Mode::Select: {
      bool a_open = true, b_open = true;
      auto take = [&](std::uint64_t v) { s.record(v, count, total); };
      while (a_open && b_open) {
        auto fired = weft::select(weft::on_recv(s.a, take), weft::on_recv(s.b, take));
        if (fired.status == ChannelStatus::closed) (fired.index == 0 ? a_open : b_open) = false;
      }
      for (std::uint64_t v : (a_open ? s.a : s.b)) s.record(v, count, total);
      break;
    }
  }
  s.received.fetch_add(count);
  s.sum.fetch_add(total);
}

enum class Layout {
  Mixed,  // every thread runs producers and consumers
  Split,  // even threads run only producers, odd threads only consumers: every value
          // crosses threads
};

void run_mpmc(int threads, std::size_t capacity, Mode mode, Layout layout) {
  constexpr int kProducersPerThread = 2, kConsumersPerThread = 2;
  auto produces = [&](int t) { return layout == Layout::Mixed || t % 2 == 0; };
  auto consumes = [&](int t) { return layout == Layout::Mixed || t % 2 == 1; };
  int producers = 0;
  for (int t = 0; t < threads; ++t) producers += produces(t) ? kProducersPerThread : 0;
  const std::uint64_t n = item_count();
  auto shared = std::make_unique<Shared>(capacity, n, producers);
  Shared& s = *shared;

  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  std::atomic<int> starting{threads};
  int next_first = 0;
  for (int t = 0; t < threads; ++t) {
    const int first_producer = next_first;
    if (produces(t)) next_first += kProducersPerThread;
    pool.emplace_back([&, t, first_producer] {
      // Start together, so that the threads really overlap.
      starting.fetch_sub(1);
      while (starting.load() > 0) std::this_thread::yield();
      weft::RuntimeOptions options;  // fibers here wait for fibers of other threads
      try {
        weft::run(
            [&, t, first_producer] {
              std::vector<weft::JoinHandle<void>> fibers;
              for (int p = 0; produces(t) && p < kProducersPerThread; ++p) {
                const auto first = static_cast<std::uint64_t>(first_producer + p);
                fibers.push_back(weft::spawn([&, first] {
                  produce(s, mode, first, static_cast<std::uint64_t>(producers));
                }));
              }
              for (int c = 0; consumes(t) && c < kConsumersPerThread; ++c)
                fibers.push_back(weft::spawn([&] { consume(s, mode); }));
              for (auto& f : fibers) f.join();
            },
            std::move(options));
      } catch (...) {
        failures.fetch_add(1);
      }
    });
  }
  for (auto& th : pool) th.join();

  INFO("threads " << threads << ", capacity " << capacity << ", mode " << to_string(mode)
                  << ", layout " << (layout == Layout::Mixed ? "mixed" : "split") << ", items " << n);
  CHECK(failures == 0);
  CHECK(s.errors == 0);
  CHECK(s.duplicates == 0);
  CHECK(s.received == n);
  CHECK(s.sum == n * (n - 1) / 2);
  std::uint64_t missing = 0;
  for (auto& seen : s.seen) missing += seen.load() != 1;
  CHECK(missing == 0);
}

}  // namespace

TEST_CASE("MPMC across kernel threads: every value exactly once", "[stress]") {
  const int threads = GENERATE(2, 4);
  const std::size_t capacity = GENERATE(std::size_t{0}, std::size_t{1}, std::size_t{64}, weft::kUnbounded);
  const Mode mode = GENERATE(Mode::Plain, Mode::Timed, Mode::Select);
  const Layout layout = GENERATE(Layout::Mixed, Layout::Split);
  run_mpmc(threads, capacity, mode, layout);
}
