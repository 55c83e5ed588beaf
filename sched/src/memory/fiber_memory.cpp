// Memory for fiber control blocks (Fiber::operator new/delete).
//
// Spawning is hot and every fiber's block is freed when its last reference goes, so
// each kernel thread keeps the blocks it freed, by size class of 64 bytes up to 1 KiB,
// and hands them out again: a spawn/join pair then costs no malloc or free. A block
// freed on another thread (M:N) joins that thread's cache. Past kMaxCached blocks of a
// class, and when a thread exits, blocks go to a process-wide list, which a thread with
// an empty cache takes from before it makes new blocks.
//
// Placement: new blocks are cut from 64 KiB slabs, only below the zone of each page
// where stacks push during a switch (see kStackPushZoneBytes in detail/stack.hpp); a
// block in that zone cost channel ping-pong about 3% and made timings depend on where
// malloc happened to put it. Slabs are never given back: the memory stays at the peak
// number of fibers alive at once (a few hundred bytes each, next to their stacks) and
// is reused.
//
// Under the sanitizers every block comes from the heap and goes back to it, so use after
// free stays visible.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <new>
#include <vector>

#include "weft/sched/detail/stack.hpp"
#include "weft/sched/fiber.hpp"
#include "weft/sched/macros.hpp"

namespace weft::sched {

namespace {

#if !defined(WEFT_ASAN) && !defined(WEFT_TSAN)
#define WEFT_FIBER_CACHE 1
#endif

#ifdef WEFT_FIBER_CACHE
constexpr std::size_t kGranule = 64;
constexpr std::size_t kClasses = 16;  // blocks of up to 1 KiB
constexpr std::uint32_t kMaxCached = 256;
constexpr std::uintptr_t kPage = detail::kAliasPageBytes;
constexpr std::uintptr_t kUsablePerPage = kPage - detail::kStackPushZoneBytes;
constexpr std::size_t kSlabBytes = 64 * 1024;
static_assert(kClasses * kGranule <= kUsablePerPage);

struct FreeBlock {
  FreeBlock* next;
};

// Blocks nobody caches: given up by threads whose cache was full or that exited.
struct SharedBlocks {
  std::mutex lock;
  FreeBlock* head[kClasses] = {};
  std::atomic<std::uint32_t> count[kClasses] = {};
  std::vector<void*> slabs;  // every slab, so they stay reachable for leak checkers

  void push_locked(std::size_t c, FreeBlock* block) noexcept {
    block->next = head[c];
    head[c] = block;
    count[c].fetch_add(1, std::memory_order_relaxed);
  }
};

SharedBlocks& shared_blocks() {
  static auto* blocks = new SharedBlocks();  // never destroyed: threads may outlive statics
  return *blocks;
}

struct BlockCache {
  FreeBlock* head[kClasses];
  std::uint32_t count[kClasses];
  char* slab_next;  // where the next new block is cut from the current slab
  char* slab_end;
  bool armed;   // the exit hook below is registered
  bool closed;  // the thread is exiting: freed blocks go to the shared list
};

constinit thread_local BlockCache t_blocks WEFT_TLS_FAST{};

// Hands the cache to the shared list when the thread exits. Constructed (and so
// registered) the first time the thread caches a block.
struct BlockCacheExit {
  void arm() noexcept { t_blocks.armed = true; }
  ~BlockCacheExit() {
    t_blocks.closed = true;
    SharedBlocks& shared = shared_blocks();
    std::lock_guard guard(shared.lock);
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* block = t_blocks.head[c]) {
        t_blocks.head[c] = block->next;
        shared.push_locked(c, block);
      }
      t_blocks.count[c] = 0;
    }
  }
};

thread_local BlockCacheExit t_blocks_exit;

std::size_t size_class(std::size_t size) noexcept { return (size - 1) / kGranule; }

FreeBlock* take_shared(std::size_t c) {
  SharedBlocks& shared = shared_blocks();
  if (shared.count[c].load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard guard(shared.lock);
  FreeBlock* block = shared.head[c];
  if (block) {
    shared.head[c] = block->next;
    shared.count[c].fetch_sub(1, std::memory_order_relaxed);
  }
  return block;
}

void give_shared(std::size_t c, FreeBlock* block) {
  SharedBlocks& shared = shared_blocks();
  std::lock_guard guard(shared.lock);
  shared.push_locked(c, block);
}

// A new block of `bytes`, lying within the first kUsablePerPage bytes of its page.
void* cut_block(std::size_t bytes) {
  for (;;) {
    const auto next = reinterpret_cast<std::uintptr_t>(t_blocks.slab_next);
    if (next != 0 && next + bytes <= reinterpret_cast<std::uintptr_t>(t_blocks.slab_end)) {
      if ((next & (kPage - 1)) + bytes <= kUsablePerPage) {
        t_blocks.slab_next += bytes;
        return reinterpret_cast<void*>(next);
      }
      t_blocks.slab_next = reinterpret_cast<char*>((next | (kPage - 1)) + 1);  // next page
      continue;
    }
    void* slab = ::operator new(kSlabBytes, std::align_val_t{kPage});
    try {
      SharedBlocks& shared = shared_blocks();
      std::lock_guard guard(shared.lock);
      shared.slabs.push_back(slab);
    } catch (...) {
      ::operator delete(slab, std::align_val_t{kPage});
      throw;
    }
    t_blocks.slab_next = static_cast<char*>(slab);
    t_blocks.slab_end = t_blocks.slab_next + kSlabBytes;
  }
}
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
    if (FreeBlock* block = take_shared(c)) return block;
    return cut_block((c + 1) * kGranule);  // the whole class: any block fits any size in it
  }
#endif
  return ::operator new(size);
}

void Fiber::operator delete(void* block, std::size_t size) noexcept {
#ifdef WEFT_FIBER_CACHE
  const std::size_t c = size_class(size);
  if (c < kClasses) {
    auto* free_block = static_cast<FreeBlock*>(block);
    if (WEFT_UNLIKELY(t_blocks.count[c] >= kMaxCached || t_blocks.closed)) {
      give_shared(c, free_block);
      return;
    }
    if (WEFT_UNLIKELY(!t_blocks.armed)) t_blocks_exit.arm();
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
