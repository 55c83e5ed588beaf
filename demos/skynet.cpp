// skynet: a tree of fibers, ten children per node, a million leaves (1,111,111 fibers
// in all); each leaf returns its number and each node the sum of its children's. Runs
// the tree on one worker and then on all workers of the machine and prints both times.
// Idle workers steal subtrees from busy ones; a node joins its children in order, and
// a joiner runs a child that has not started yet itself, so the tree runs depth first
// with few stacks alive at a time.
//
//   skynet [--leaves N]   (a power of ten; default 1000000)
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>

#include "weft/weft.hpp"

namespace {

constexpr std::uint64_t kChildren = 10;

std::uint64_t skynet(std::uint64_t num, std::uint64_t size) {
  if (size == 1) return num;
  const std::uint64_t step = size / kChildren;
  std::array<weft::JoinHandle<std::uint64_t>, kChildren> children;
  for (std::uint64_t i = 0; i < kChildren; ++i)
    children[i] = weft::spawn([num, step, i] { return skynet(num + i * step, step); });
  std::uint64_t sum = 0;
  for (auto& child : children) sum += child.join();
  return sum;
}

std::uint64_t parse_leaves(int argc, char** argv) {
  std::uint64_t leaves = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--leaves" || i + 1 >= argc) {
      std::fprintf(stderr, "usage: skynet [--leaves N]   (N a power of ten, 10 .. 100000000)\n");
      std::exit(2);
    }
    char* end = nullptr;
    leaves = std::strtoull(argv[++i], &end, 10);
    std::uint64_t p = 10;
    while (p < leaves) p *= 10;
    if (*end != '\0' || p != leaves || leaves > 100'000'000) {
      std::fprintf(stderr, "skynet: --leaves wants a power of ten from 10 to 100000000\n");
      std::exit(2);
    }
  }
  return leaves;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t leaves = parse_leaves(argc, argv);
  const std::uint64_t expected = leaves * (leaves - 1) / 2;
  const std::size_t all = std::max(1u, std::thread::hardware_concurrency());
  double ms[2] = {0, 0};
  const std::size_t counts[2] = {1, all};
  for (int run = 0; run < 2; ++run) {
    weft::RuntimeOptions options;
    options.workers = counts[run];
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t sum = weft::run([leaves] { return skynet(0, leaves); }, std::move(options));
    ms[run] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("%zu worker%s: sum %llu in %.0f ms\n", counts[run], counts[run] == 1 ? "" : "s",
                static_cast<unsigned long long>(sum), ms[run]);
    if (sum != expected) {
      std::fprintf(stderr, "skynet: the sum should be %llu\n", static_cast<unsigned long long>(expected));
      return 1;
    }
  }
  std::printf("speedup on %zu workers: %.2fx\n", all, ms[0] / ms[1]);
  return 0;
}
