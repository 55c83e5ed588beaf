// spawn_join: ns to create, run and join an empty fiber, one after the other.
#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>
#include <boost/context/stack_traits.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/pooled_fixedsize_stack.hpp>
#endif

#include <weft/weft.hpp>

#include "bench.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

namespace ctx = boost::context;

// Same usable size as weft's default stack, so pooled peers reuse like-sized blocks.
constexpr std::size_t kPooledStackSize = 64 * 1024;

std::int64_t fibers(const Options& options) { return options.quick ? 5'000 : 500'000; }

double weft_spawn_join(const Options& options) {
  const std::int64_t n = fibers(options);
  return weft::run([n] {
    auto start = Clock::now();
    for (std::int64_t i = 0; i < n; ++i) weft::spawn([] {}).join();
    return elapsed_ns(start) / static_cast<double>(n);
  }, on_workers(1));
}

#if WEFT_BENCH_BOOST_FIBER
double boost_fiber_default(const Options& options) {
  const std::int64_t n = fibers(options);
  auto start = Clock::now();
  for (std::int64_t i = 0; i < n; ++i) {
    boost::fibers::fiber f([] {});
    f.join();
  }
  return elapsed_ns(start) / static_cast<double>(n);
}

double boost_fiber_pooled(const Options& options) {
  const std::int64_t n = fibers(options);
  auto start = Clock::now();
  boost::fibers::pooled_fixedsize_stack pool(kPooledStackSize);
  for (std::int64_t i = 0; i < n; ++i) {
    boost::fibers::fiber f(std::allocator_arg, pool, [] {});
    f.join();
  }
  return elapsed_ns(start) / static_cast<double>(n);
}
#else
double boost_fiber_default(const Options&) { throw Skip(kNoBoostFiber); }
double boost_fiber_pooled(const Options&) { throw Skip(kNoBoostFiber); }
#endif

// The floor's stack allocator: fixed-size blocks on a free list, never returned to the
// system until the pool goes. Single-threaded.
class FloorStackPool {
 public:
  explicit FloorStackPool(std::size_t size) : size_(size) {}
  FloorStackPool(const FloorStackPool&) = delete;
  FloorStackPool& operator=(const FloorStackPool&) = delete;
  ~FloorStackPool() {
    for (void* block : free_) std::free(block);
  }

  ctx::stack_context allocate() {
    void* block = nullptr;
    if (free_.empty()) {
      block = std::aligned_alloc(ctx::stack_traits::page_size(), size_);
      if (!block) throw std::bad_alloc();
    } else {
      block = free_.back();
      free_.pop_back();
    }
    ctx::stack_context stack;
    stack.size = size_;
    stack.sp = static_cast<char*>(block) + size_;   // stacks grow down
    return stack;
  }

  void deallocate(ctx::stack_context& stack) noexcept {
    free_.push_back(static_cast<char*>(stack.sp) - stack.size);
  }

 private:
  std::size_t size_;
  std::vector<void*> free_;
};

// What Boost.Context copies into each fiber: a handle on the shared pool.
struct FloorAllocator {
  FloorStackPool* pool;
  ctx::stack_context allocate() { return pool->allocate(); }
  void deallocate(ctx::stack_context& stack) noexcept { pool->deallocate(stack); }
};

// The floor: create a bare Boost.Context fiber on a pooled stack, run it to its end
// (which destroys it and gives the stack back), repeat.
double context_floor(const Options& options) {
  const std::int64_t n = fibers(options);
  FloorStackPool pool(kPooledStackSize);
  ctx::stack_context warm = pool.allocate();   // the loop reuses this one block
  pool.deallocate(warm);
  auto start = Clock::now();
  for (std::int64_t i = 0; i < n; ++i) {
    ctx::fiber f{std::allocator_arg, FloorAllocator{&pool},
                 [](ctx::fiber&& back) { return std::move(back); }};
    f = std::move(f).resume();
  }
  return elapsed_ns(start) / static_cast<double>(n);
}

std::string kib(std::size_t bytes) { return std::to_string(bytes / 1024) + " KiB"; }

}  // namespace

Case spawn_join_case() {
  Case c;
  c.name = "spawn_join";
  c.unit = "ns/fiber";
  c.better = Better::Lower;
  c.about = "create, run and join an empty fiber, in a loop, one worker; time per fiber";
  c.weft = {"weft", "weft::spawn([]{}).join() (1 worker, pooled 64 KiB stacks)", weft_spawn_join};
  c.peers.push_back({"boost.fiber",
                     boost_fiber_label("default " + kib(ctx::stack_traits::default_size()) +
                                       " fixedsize_stack, malloc per fiber"),
                     boost_fiber_default});
  c.peers.push_back({"boost.fiber.pooled",
                     boost_fiber_label(kib(kPooledStackSize) + " pooled_fixedsize_stack"),
                     boost_fiber_pooled});
  c.peers.push_back({"boost.context",
                     "boost.context fiber create+resume+destroy, pooled " +
                         kib(kPooledStackSize) + " stack (raw floor)",
                     context_floor});
  return c;
}

}  // namespace weft::bench
