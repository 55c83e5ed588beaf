// Fiber control blocks: placement within their page and reuse (sched/src/memory/fiber_memory.cpp).
// Under the sanitizers blocks come straight from the heap, so only liveness is checked.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

namespace {

#if defined(WEFT_ASAN) || defined(WEFT_TSAN)
constexpr bool kCached = false;
#else
constexpr bool kCached = true;
#endif

// Spawns `count` fibers that are all alive at once (each waits for the last one), joins
// them, and returns where each control block was.
std::vector<std::uintptr_t> live_blocks(int count) {
  std::vector<std::uintptr_t> blocks(static_cast<std::size_t>(count));
  weft::run([&] {
    weft::Event all_started;
    std::atomic<int> started{0};  // the fibers may run on several workers
    std::vector<weft::JoinHandle<void>> handles;
    for (int i = 0; i < count; ++i) {
      handles.push_back(weft::spawn([&, i] {
        blocks[static_cast<std::size_t>(i)] = reinterpret_cast<std::uintptr_t>(weft::sched::current_fiber());
        if (++started == count) all_started.set();
        all_started.wait();
      }));
    }
    for (auto& h : handles) h.join();
  });
  return blocks;
}

}  // namespace

TEST_CASE("control blocks stay out of the last KiB of their page, where stacks push") {
  std::vector<char> big(200, 'x');  // a capture that puts the fiber in a larger size class
  weft::run([&] {
    for (int i = 0; i < 200; ++i) {
      auto small = [] { return reinterpret_cast<std::uintptr_t>(weft::sched::current_fiber()); };
      auto large = [big] {
        (void)big;
        return reinterpret_cast<std::uintptr_t>(weft::sched::current_fiber());
      };
      const std::uintptr_t a = weft::spawn(small).join();
      const std::uintptr_t b = weft::spawn(large).join();
      REQUIRE(a != 0);
      REQUIRE(b != 0);
      if (kCached) {
        CHECK((a & 4095) + sizeof(weft::detail::FunctionFiber<std::uintptr_t, decltype(small)>) <= 3072);
        CHECK((b & 4095) + sizeof(weft::detail::FunctionFiber<std::uintptr_t, decltype(large)>) <= 3072);
      }
    }
  });
}

TEST_CASE("control blocks are reused, also beyond a thread's cache and after it exits") {
  constexpr int kFibers = 600;  // more than a thread caches per size class (256)
  const std::vector<std::uintptr_t> first = live_blocks(kFibers);
  const std::set<std::uintptr_t> first_set(first.begin(), first.end());
  REQUIRE(first_set.size() == static_cast<std::size_t>(kFibers));  // all alive at once: distinct

  // Blocks of `blocks` that were in `earlier`. A run's own main and scheduler fibers take
  // blocks too, so up to two may trade places with the children between runs.
  auto reused = [](const std::vector<std::uintptr_t>& blocks, const std::set<std::uintptr_t>& earlier) {
    std::size_t n = 0;
    for (std::uintptr_t b : blocks) n += earlier.count(b);
    return n;
  };
  constexpr std::size_t kAtLeast = kFibers - 2;

  // Same thread again: the blocks come back, from its cache or from the shared list.
  const std::vector<std::uintptr_t> again = live_blocks(kFibers);
  if (kCached) CHECK(reused(again, first_set) >= kAtLeast);

  // A thread that exits hands its blocks on; a new thread takes them before making new ones.
  std::set<std::uintptr_t> from_thread;
  std::thread([&] {
    for (std::uintptr_t b : live_blocks(kFibers)) from_thread.insert(b);
  }).join();
  std::vector<std::uintptr_t> after_exit;
  std::thread([&] { after_exit = live_blocks(kFibers); }).join();
  REQUIRE(after_exit.size() == static_cast<std::size_t>(kFibers));
  if (kCached) CHECK(reused(after_exit, from_thread) >= kAtLeast);
}
