// The skynet tree, shared by the skynet cases (one worker, two workers): ten children
// per node, each leaf returns its number, each node the sum of its children's. On weft
// and on Boost.Fiber (whose stack allocator and launch policy each case chooses).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/fiber.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

inline constexpr std::uint64_t kSkynetChildren = 10;

inline std::uint64_t skynet_leaves(const Options& options) { return options.quick ? 10'000 : 1'000'000; }

// Fails loudly unless `total` is the sum 0 + 1 + ... + (size - 1).
inline void verify_skynet(const std::string& who, std::uint64_t size, std::uint64_t total) {
  const std::uint64_t expected = size * (size - 1) / 2;  // 499999500000 for 1,000,000
  if (total != expected)
    throw Failure(who + " returned " + std::to_string(total) + ", expected " + std::to_string(expected));
}

inline std::uint64_t weft_skynet(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t step = size / kSkynetChildren;
  std::array<weft::JoinHandle<std::uint64_t>, kSkynetChildren> children;
  for (std::uint64_t i = 0; i < kSkynetChildren; ++i)
    children[i] = weft::spawn([num, step, i] { return weft_skynet(num + i * step, step); });
  std::uint64_t sum = 0;
  for (auto& child : children) sum += child.join();
  return sum;
}

// Milliseconds for the whole tree on a fresh runtime with `workers` workers, checked.
inline double time_weft_skynet(const std::string& who, std::size_t workers, const Options& options) {
  const std::uint64_t size = skynet_leaves(options);
  const auto start = Clock::now();
  const std::uint64_t total = weft::run([size] { return weft_skynet(0, size); }, on_workers(workers));
  const double ms = elapsed_ns(start) / 1e6;
  verify_skynet(who, size, total);
  return ms;
}

#if WEFT_BENCH_BOOST_FIBER
// Boost.Fiber keeps hundreds of thousands of stacks alive at once here (~3 GB): a side
// skips on a machine without room for them.
inline void skip_unless_room_for_boost_skynet(const Options& options) {
  constexpr std::uint64_t kNeededMb = 4000;
  if (!options.quick && available_memory_mb() < kNeededMb)
    throw Skip("needs ~" + std::to_string(kNeededMb) + " MB of memory, " + std::to_string(available_memory_mb()) +
               " MB available");
}

template <class StackAllocator>
std::uint64_t boost_skynet(StackAllocator& stacks, boost::fibers::launch launch, std::uint64_t num,
                           std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t step = size / kSkynetChildren;
  std::array<std::uint64_t, kSkynetChildren> results{};
  std::array<boost::fibers::fiber, kSkynetChildren> children;
  for (std::uint64_t i = 0; i < kSkynetChildren; ++i)
    children[i] = boost::fibers::fiber(launch, std::allocator_arg, stacks, [&stacks, &results, launch, num, step, i] {
      results[i] = boost_skynet(stacks, launch, num + i * step, step);
    });
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < kSkynetChildren; ++i) {
    children[i].join();
    sum += results[i];
  }
  return sum;
}
#endif

}  // namespace weft::bench
