// mutex_contended: ns per lock/unlock pair while 8 fibers take turns on one mutex and
// yield while holding it, so every other fiber finds it locked: on one worker
// (mutex_contended) and on two (mutex_contended_2w, against Boost.Fiber's
// work_stealing on two threads).
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "boost_work_stealing.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

constexpr int kFibers = 8;

// Lock/unlock pairs per fiber.
std::int64_t pairs(const Options& options) { return options.quick ? 2'000 : 100'000; }

// The state the mutex protects, and what the fibers saw of it.
struct Shared {
  std::int64_t counter = 0;   // incremented once per critical section
  int inside = 0;             // fibers in the critical section now
  std::int64_t overlaps = 0;  // times a fiber found another one inside with it
};

// One critical section: count, yield while holding the lock, check nobody came in.
template <class Yield>
inline void critical_section(Shared& shared, Yield yield) {
  if (++shared.inside != 1) ++shared.overlaps;
  ++shared.counter;
  yield();
  if (shared.inside != 1) ++shared.overlaps;
  --shared.inside;
}

// Fails loudly unless every increment happened and no two fibers held the lock at once.
void verify(const std::string& who, std::int64_t n, const Shared& shared) {
  const std::int64_t expected = kFibers * n;
  if (shared.counter != expected || shared.overlaps != 0)
    throw Failure("mutex_contended on " + who + ": counter " + std::to_string(shared.counter) +
                  ", expected " + std::to_string(expected) + "; " +
                  std::to_string(shared.overlaps) + " overlapping critical sections");
}

double weft_mutex_on(std::size_t workers, const Options& options) {
  const std::int64_t n = pairs(options);
  Shared shared;
  const double ns = weft::run([n, &shared] {
    weft::Mutex mutex;
    auto body = [n, &mutex, &shared] {
      for (std::int64_t i = 0; i < n; ++i) {
        std::lock_guard guard(mutex);
        critical_section(shared, [] { weft::this_fiber::yield(); });
      }
    };
    auto start = Clock::now();
    std::vector<weft::JoinHandle<void>> fibers;
    for (int f = 0; f < kFibers; ++f) fibers.push_back(weft::spawn(body));
    for (auto& fiber : fibers) fiber.join();
    return elapsed_ns(start);
  }, on_workers(workers));
  verify("weft on " + std::to_string(workers) + " worker(s)", n, shared);
  return ns / static_cast<double>(kFibers * n);
}

#if WEFT_BENCH_BOOST_FIBER
double boost_fiber_mutex_measured(const std::string& who, const Options& options) {
  const std::int64_t n = pairs(options);
  Shared shared;
  boost::fibers::mutex mutex;
  auto body = [n, &mutex, &shared] {
    for (std::int64_t i = 0; i < n; ++i) {
      std::lock_guard guard(mutex);
      critical_section(shared, [] { boost::this_fiber::yield(); });
    }
  };
  auto start = Clock::now();
  std::vector<boost::fibers::fiber> fibers;
  for (int f = 0; f < kFibers; ++f) fibers.emplace_back(body);
  for (auto& fiber : fibers) fiber.join();
  const double ns = elapsed_ns(start);
  verify(who, n, shared);
  return ns / static_cast<double>(kFibers * n);
}
double boost_fiber_mutex(const Options& options) { return boost_fiber_mutex_measured("boost.fiber", options); }
double boost_fiber_mutex_2_threads(const Options& options) {
  return on_boost_work_stealing(2, [&] { return boost_fiber_mutex_measured("boost.fiber work_stealing", options); });
}
#else
double boost_fiber_mutex(const Options&) { throw Skip(kNoBoostFiber); }
double boost_fiber_mutex_2_threads(const Options&) { throw Skip(kNoBoostFiber); }
#endif

}  // namespace

Case mutex_contended_case() {
  Case c;
  c.name = "mutex_contended";
  c.unit = "ns/lock+unlock";
  c.better = Better::Lower;
  c.about = "8 fibers lock, yield, unlock one mutex in a loop, one worker; "
            "time per lock/unlock pair";
  c.weft = {"weft", "weft::Mutex + this_fiber::yield, 8 fibers (1 worker, FIFO hand-off)",
            [](const Options& o) { return weft_mutex_on(1, o); }};
  c.peers.push_back({"boost.fiber",
                     boost_fiber_label("fibers::mutex + this_fiber::yield, 8 fibers"),
                     boost_fiber_mutex});
  return c;
}

Case mutex_contended_2w_case() {
  Case c;
  c.name = "mutex_contended_2w";
  c.unit = "ns/lock+unlock";
  c.better = Better::Lower;
  c.about = "mutex_contended with 2 workers against Boost.Fiber work_stealing on 2 threads; "
            "one fresh process per run";
  c.isolate = true;  // a work_stealing thread keeps its scheduler for good
  c.weft = {"weft", "weft::Mutex + this_fiber::yield, 8 fibers (2 workers, fibers free to move)",
            [](const Options& o) { return weft_mutex_on(2, o); }};
  c.peers.push_back({"boost.fiber_work_stealing",
                     boost_fiber_label("fibers::mutex + this_fiber::yield, 8 fibers, 2 threads", "work_stealing"),
                     boost_fiber_mutex_2_threads});
  return c;
}

}  // namespace weft::bench
