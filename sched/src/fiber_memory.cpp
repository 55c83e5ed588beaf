// Memory for fiber control blocks (Fiber::operator new/delete).
//
// Spawning is hot and every fiber's block is freed when its last reference goes, so
// each kernel thread keeps the blocks it freed recently, by size class of 64 bytes up
// to 1 KiB, and hands them out again: a spawn/join pair then costs no malloc or free.
// A block freed on another thread (M:N) joins that thread's cache. Each class keeps at
// most kMaxCached blocks; the rest go back to the heap, and so does the whole cache when
// its thread exits. Under the sanitizers every block goes to the heap, so use after
// free stays visible.
#include <cstddef>
#include <cstdint>
#include <new>

#include "weft/sched/fiber.hpp"
#include "weft/sched/macros.hpp"

namespace weft::sched {

namespace {

#if !defined(WEFT_ASAN) && !defined(WEFT_TSAN)
#define WEFT_FIBER_CACHE 1
#endif

#ifdef WEFT_FIBER_CACHE
constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 16;
constexpr std::uint32_t kMaxCached = 256;

struct FreeBlock {
  FreeBlock* next;
};

struct BlockCache {
  FreeBlock* head[kClasses];
  std::uint32_t count[kClasses];
  bool armed;   // the exit hook below is registered
  bool closed;  // the thread is exiting: free straight to the heap
};

constinit thread_local BlockCache t_blocks WEFT_TLS_FAST{};

// Gives the cache back to the heap when the thread exits. Constructed (and so
// registered) the first time the thread caches a block.
struct BlockCacheExit {
  void arm() noexcept { t_blocks.armed = true; }
  ~BlockCacheExit() {
    t_blocks.closed = true;
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* block = t_blocks.head[c]) {
        t_blocks.head[c] = block->next;
        ::operator delete(block);
      }
      t_blocks.count[c] = 0;
    }
  }
};

thread_local BlockCacheExit t_blocks_exit;

std::size_t size_class(std::size_t size) noexcept { return (size - 1) / kGranule; }
#endif

}  // namespace

void* Fiber::operator new(std::size_t size) {
#ifdef WEFT_FIBER_CACHE
  const std::size_t c = size_class(size);
  if (c < kClasses) {
    if (FreeBlock* block = t_blocks.head[c]) {
      t_blocks.head[c] = block->next;
      --t_blocks.count[c];
      return block;
    }
    return ::operator new((c + 1) * kGranule);  // the whole class: any block fits any size in it
  }
#endif
  return ::operator new(size);
}

void Fiber::operator delete(void* block, std::size_t size) noexcept {
#ifdef WEFT_FIBER_CACHE
  const std::size_t c = size_class(size);
  if (c < kClasses && t_blocks.count[c] < kMaxCached && !t_blocks.closed) {
    if (WEFT_UNLIKELY(!t_blocks.armed)) t_blocks_exit.arm();
    auto* free_block = static_cast<FreeBlock*>(block);
    free_block->next = t_blocks.head[c];
    t_blocks.head[c] = free_block;
    ++t_blocks.count[c];
    return;
  }
#else
  (void)size;
#endif
  ::operator delete(block);
}

}  // namespace weft::sched
