// yield: ns per switch while two fibers yield to each other in a loop.
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>

#include <cstdint>
#include <memory>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

// Yields per fiber; every yield is one switch to the other fiber.
std::int64_t yields(const Options& options) { return options.quick ? 20'000 : 2'000'000; }

double weft_yield(const Options& options) {
  const std::int64_t n = yields(options);
  return weft::run([n] {
    auto body = [n] {
      for (std::int64_t i = 0; i < n; ++i) weft::this_fiber::yield();
    };
    auto start = Clock::now();
    auto a = weft::spawn(body);
    auto b = weft::spawn(body);
    a.join();
    b.join();
    return elapsed_ns(start) / static_cast<double>(2 * n);
  }, on_workers(1));
}

#if WEFT_BENCH_BOOST_FIBER
double boost_fiber_yield(const Options& options) {
  const std::int64_t n = yields(options);
  auto body = [n] {
    for (std::int64_t i = 0; i < n; ++i) boost::this_fiber::yield();
  };
  auto start = Clock::now();
  boost::fibers::fiber a(body);
  boost::fibers::fiber b(body);
  a.join();
  b.join();
  return elapsed_ns(start) / static_cast<double>(2 * n);
}
#else
double boost_fiber_yield(const Options&) { throw Skip(kNoBoostFiber); }
#endif

// The floor: a bare Boost.Context fiber resumed in a loop; each round trip is two
// one-way switches and nothing else.
double context_floor(const Options& options) {
  namespace ctx = boost::context;
  const std::int64_t n = 5 * yields(options);
  ctx::fiber f{std::allocator_arg, ctx::fixedsize_stack(64 * 1024), [n](ctx::fiber&& back) {
                 for (std::int64_t i = 0; i <= n; ++i) back = std::move(back).resume();
                 return std::move(back);
               }};
  f = std::move(f).resume();   // enter the loop
  auto start = Clock::now();
  for (std::int64_t i = 0; i < n; ++i) f = std::move(f).resume();
  double ns = elapsed_ns(start);
  f = std::move(f).resume();   // let it return
  return ns / static_cast<double>(2 * n);
}

}  // namespace

Case yield_case() {
  Case c;
  c.name = "yield";
  c.unit = "ns/switch";
  c.better = Better::Lower;
  c.about = "two fibers yield to each other in a loop, one worker; time per switch";
  c.weft = {"weft", "weft::this_fiber::yield (1 worker)", weft_yield};
  c.peers.push_back({"boost.fiber", boost_fiber_label("this_fiber::yield"),
                     boost_fiber_yield});
  c.peers.push_back({"boost.context", "boost.context fiber resume (one-way floor)",
                     context_floor});
  return c;
}

}  // namespace weft::bench
