// The skynet tree on weft, shared by the skynet cases (one worker, two workers): ten
// children per node, each leaf returns its number, each node the sum of its children's.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <weft/weft.hpp>

#include "bench.hpp"

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

}  // namespace weft::bench
