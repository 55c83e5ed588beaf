// A small, fast, seedable generator (SplitMix64) so runs are reproducible everywhere.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::check::detail {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  std::size_t below(std::size_t n) noexcept { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// A seed for run `iteration` of an exploration seeded with `seed`.
inline std::uint64_t run_seed(std::uint64_t seed, std::size_t iteration) noexcept {
  Rng mix(seed ^ (0x5851f42d4c957f2dULL * (iteration + 1)));
  return mix.next();
}

}  // namespace weft::check::detail
