// check_throughput, check_throughput_10: the interleaving checker's schedules per second.
//
// Each case explores a small correct scenario with weft::check::explore (Random strategy,
// a fixed number of schedules) and counts explored runs per second of wall time. The
// floor row runs the same scenario body with weft::run in a loop: the raw work of one
// run, without the checker; its ratio says what fraction of that speed the checker keeps.
// The threads-2 row explores the same schedules on two kernel threads
// (Options::threads = 2); its ratio below 1 is the inverse of the 2-thread speed-up.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <weft/check.hpp>
#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

using weft::check::Shared;

// The seed of every exploration: with the Random strategy run i follows the same
// schedule whatever the number of threads, so every side does the same work.
constexpr std::uint64_t kSeed = 7;

// The catalogue's lost_update_fixed (tools/scenarios/classic_bugs.cpp): three fibers
// increment a tracked int under a weft::Mutex, yielding between the read and the write.
void lost_update_fixed() {
  static const weft::check::Scenario* const scenario = weft::check::find_scenario("lost_update_fixed");
  if (scenario == nullptr) throw Failure("the scenario catalogue has no lost_update_fixed");
  scenario->body();
}

constexpr int kProducers = 5;
constexpr int kConsumers = 5;
constexpr int kValuesEach = 2;
constexpr int kValues = kProducers * kValuesEach;   // == kConsumers * kValuesEach
constexpr int kValueSum = kValues * (kValues + 1) / 2;

// Ten fibers: five producers each send two of the values 1..10 while holding the mutex
// (the channel holds all ten, so a send never blocks with the mutex held) and count them
// under it; five consumers each receive two (blocking, without the mutex) and add them
// to a tracked sum under the mutex.
void channel_mutex_10() {
  weft::Channel<int> channel(kValues);
  weft::Mutex mutex;
  Shared<int> sent{0};
  Shared<int> sum{0};
  std::vector<weft::JoinHandle<void>> fibers;
  for (int p = 0; p < kProducers; ++p)
    fibers.push_back(weft::spawn([&, p] {
      for (int k = 0; k < kValuesEach; ++k) {
        std::lock_guard guard(mutex);
        const weft::ChannelStatus status = channel.send(p * kValuesEach + k + 1);
        WEFT_ASSERT(status == weft::ChannelStatus::ok);
        sent.store(sent.load() + 1);
      }
    }));
  for (int c = 0; c < kConsumers; ++c)
    fibers.push_back(weft::spawn([&] {
      for (int k = 0; k < kValuesEach; ++k) {
        auto received = channel.recv();
        WEFT_ASSERT(received.ok());
        std::lock_guard guard(mutex);
        sum.store(sum.load() + *received);
      }
    }));
  for (auto& f : fibers) f.join();
  WEFT_ASSERT(sent.load() == kValues);
  WEFT_ASSERT(sum.load() == kValueSum);
}

// One case's scenario and its sizes.
struct Scenario {
  const char* case_name;
  void (*body)();
  std::size_t iterations;         // explored schedules per measurement
  std::size_t quick_iterations;   // the same with --quick
  std::size_t floor_factor;       // the floor runs this many times as many plain runs
};

// About half a second per measurement on the 2-core Xeon VM (shorter ones time thread
// start-up more than the exploration and make the 2-thread row noisy).
constexpr Scenario kLostUpdate{"check_throughput", lost_update_fixed, 200'000, 200, 2};
constexpr Scenario kChannel10{"check_throughput_10", channel_mutex_10, 30'000, 50, 8};

std::size_t iterations(const Scenario& s, const Options& options) {
  return options.quick ? s.quick_iterations : s.iterations;
}

// Explores `s.body` with the Random strategy on `threads` kernel threads; schedules per
// second of wall time of the exploration. A failing report is a wrong result. The other
// options keep their defaults: 2 modelled workers (every tracked access is a schedule
// point and goes through the race detector), lock-order checks, fair yields.
double explore_rate(const Scenario& s, const Options& options, unsigned threads) {
  const std::size_t n = iterations(s, options);
  // from_env = false: WEFT_CHECK_* in the environment must not change what is measured.
  const weft::check::Options check_options{.strategy = weft::check::Random{},
                                           .iterations = n,
                                           .seed = kSeed,
                                           .from_env = false,
                                           .threads = threads,
                                           .name = s.case_name};
  auto start = Clock::now();
  weft::check::Report report = weft::check::explore(check_options, s.body);
  const double ns = elapsed_ns(start);
  if (!report.ok())
    throw Failure(std::string(s.case_name) + ": the exploration failed (" +
                  weft::check::to_string(report.kind) + "): " + report.message);
  if (report.runs != n)
    throw Failure(std::string(s.case_name) + ": the exploration ran " +
                  std::to_string(report.runs) + " schedules, expected " + std::to_string(n));
  return static_cast<double>(n) / (ns / 1e9);
}

// The floor: the scenario body on a fresh weft::run runtime per run (one worker, no
// instrumentation), in a loop, as the checker builds a fresh runtime per schedule.
double floor_rate(const Scenario& s, const Options& options) {
  const std::size_t n = s.floor_factor * iterations(s, options);
  auto start = Clock::now();
  try {
    for (std::size_t i = 0; i < n; ++i) weft::run(s.body, on_workers(1));
  } catch (const weft::check::AssertionFailed& failed) {
    throw Failure(std::string(s.case_name) + " on weft::run: " + failed.what());
  }
  const double ns = elapsed_ns(start);
  return static_cast<double>(n) / (ns / 1e9);
}

Case check_case(const Scenario& s, const std::string& what) {
  Case c;
  c.name = s.case_name;
  c.unit = "schedules/s";
  c.better = Better::Higher;
  c.about = "weft::check::explore, Random strategy, over " + what + "; " +
            std::to_string(s.iterations) + " schedules per measurement, explored runs per second";
  c.weft = {"weft", "check::explore, Random, 1 thread",
            [&s](const Options& o) { return explore_rate(s, o, 1); }};
  c.peers.push_back({"weft.run", "the same body on weft::run in a loop, no checker (raw floor)",
                     [&s](const Options& o) { return floor_rate(s, o); }});
  c.peers.push_back({"weft.threads2",
                     "check::explore, Random, 2 threads (ratio = 1 / 2-thread speed-up)",
                     [&s](const Options& o) { return explore_rate(s, o, 2); }});
  return c;
}

}  // namespace

Case check_throughput_case() {
  return check_case(kLostUpdate, "lost_update_fixed (3 fibers increment under a weft::Mutex)");
}

Case check_throughput_10_case() {
  return check_case(kChannel10,
                    "10 fibers: 5 producers send 2 values each under a weft::Mutex into a "
                    "buffered weft::Channel, 5 consumers receive 2 each");
}

}  // namespace weft::bench
