// skynet: a tree of 1,000,000 leaf fibers (1,111,111 in all), each level spawning ten
// children and summing what they return. Runs in a child process per measurement, so
// the runner also reports the peak RSS of each side.
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/context/stack_traits.hpp>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/pooled_fixedsize_stack.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"
#include "skynet_tree.hpp"

namespace weft::bench {

namespace {

// Boost.Fiber's own skynet example uses two pages per stack, from a pool.
constexpr std::size_t kBoostStackPages = 2;

double weft_side(const Options& options) {
  const std::uint64_t size = skynet_leaves(options);
  auto start = Clock::now();
  const std::uint64_t total = weft::run([size] { return weft_skynet(0, size); }, on_workers(1));
  const double ns = elapsed_ns(start);
  verify_skynet("skynet on weft", size, total);
  return ns / 1e6;
}

#if WEFT_BENCH_BOOST_FIBER
using BoostPool = boost::fibers::pooled_fixedsize_stack;

std::uint64_t boost_skynet(BoostPool& pool, std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t step = size / kSkynetChildren;
  std::array<std::uint64_t, kSkynetChildren> results{};
  std::array<boost::fibers::fiber, kSkynetChildren> children;
  for (std::uint64_t i = 0; i < kSkynetChildren; ++i)
    children[i] = boost::fibers::fiber(boost::fibers::launch::dispatch, std::allocator_arg, pool,
                                       [&pool, &results, num, step, i] {
                                         results[i] = boost_skynet(pool, num + i * step, step);
                                       });
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < kSkynetChildren; ++i) {
    children[i].join();
    sum += results[i];
  }
  return sum;
}

double boost_side(const Options& options) {
  const std::uint64_t size = skynet_leaves(options);
  // Boost.Fiber keeps hundreds of thousands of stacks alive at once here (~3 GB).
  constexpr std::uint64_t kNeededMb = 4000;
  if (!options.quick && available_memory_mb() < kNeededMb)
    throw Skip("needs ~" + std::to_string(kNeededMb) + " MB of memory, " +
               std::to_string(available_memory_mb()) + " MB available");
  auto start = Clock::now();
  std::uint64_t total = 0;
  {
    BoostPool pool(kBoostStackPages * boost::context::stack_traits::page_size());
    total = boost_skynet(pool, 0, size);
  }
  const double ns = elapsed_ns(start);
  verify_skynet("skynet on boost.fiber", size, total);
  return ns / 1e6;
}
#else
double boost_side(const Options&) { throw Skip(kNoBoostFiber); }
#endif

}  // namespace

Case skynet_case() {
  Case c;
  c.name = "skynet";
  c.unit = "ms";
  c.better = Better::Lower;
  c.about = "1M-leaf fiber tree (10 children per level, sum of leaves), one worker, "
            "one fresh process per run; wall time, and peak RSS as skynet_rss";
  c.isolate = true;
  c.weft = {"weft", "weft::spawn/join (1 worker, default 64 KiB pooled stacks)", weft_side};
  // launch::dispatch runs each child at once, as Boost.Fiber's own skynet example does;
  // with the default launch::post the whole tree is alive at once (~13 GB, ~40 s here).
  // LD_BIND_NOW: a lazily bound call into libstdc++ saves the AVX-512 state on the
  // 8 KiB stack and overflows it (seen here: SIGSEGV in ontop_fcontext).
  const std::size_t stack_kib = kBoostStackPages * boost::context::stack_traits::page_size() / 1024;
  c.peers.push_back({"boost.fiber",
                     boost_fiber_label("launch::dispatch, " + std::to_string(stack_kib) +
                                       " KiB pooled stacks, LD_BIND_NOW=1"),
                     boost_side, {"LD_BIND_NOW=1"}});
  return c;
}

}  // namespace weft::bench
