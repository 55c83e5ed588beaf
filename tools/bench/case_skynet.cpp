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

double weft_side(const Options& options) { return time_weft_skynet("skynet on weft", 1, options); }

#if WEFT_BENCH_BOOST_FIBER
double boost_side(const Options& options) {
  skip_unless_room_for_boost_skynet(options);
  const std::uint64_t size = skynet_leaves(options);
  auto start = Clock::now();
  std::uint64_t total = 0;
  {
    boost::fibers::pooled_fixedsize_stack pool(kBoostStackPages * boost::context::stack_traits::page_size());
    total = boost_skynet(pool, boost::fibers::launch::dispatch, 0, size);
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
