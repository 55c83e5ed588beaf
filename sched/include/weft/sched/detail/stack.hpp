// Fiber stacks: a guard page below each, pooled and reused because a fresh mapping
// costs ~14 us and first-touch page faults ~1.5 us each on this class of machine. A pool
// belongs to one worker and is not thread-safe.
//
// Stacks of up to kMaxChunkedSize are cut from chunks of kChunkStacks, one mapping each,
// and their guard pages are installed with MADV_GUARD_INSTALL (Linux 6.13), which does
// not split the mapping. With a mapping or two per stack (mprotect splits one in two) a
// process ran out of mappings (vm.max_map_count, 65,530 by default) at ~32,700 fibers
// blocked at once. On older kernels the guard is an mprotect, which splits the mapping:
// stacks guarded so may take half of vm.max_map_count, and stacks mapped beyond that
// have no guard page (a warning says so once). A chunk goes back to the kernel with its
// last stack.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <vector>

namespace weft::sched::detail {

// Stacks end on page boundaries, so a switch pushes and pops registers within the last
// KiB of a 4 KiB page. A load right after a store to the same offset in another page
// waits for that store (4K aliasing), so what the kernel reads on every switch (the
// worker, fiber control blocks) is placed below that zone of its page.
inline constexpr std::size_t kAliasPageBytes = 4096;
inline constexpr std::size_t kStackPushZoneBytes = 1024;

// A mapping cut into stacks. `refs`: its stacks still mapped, plus one while a pool cuts
// from it; the last to go unmaps it. Stacks of one chunk end in the pools of different
// workers, so the count is atomic.
struct StackChunk {
  // Installed: MADV_GUARD_INSTALL; Split: mprotect (a mapping per guard and per stack);
  // None: over the mapping budget of split chunks, the stacks have no guard page.
  enum class Guards : unsigned char { Installed, Split, None };
  void* base;
  std::size_t bytes;
  std::atomic<std::size_t> refs;
  Guards guards = Guards::Installed;
};

struct Stack {
  void* base = nullptr;         // lowest address of the stack (its guard page)
  std::size_t mapped = 0;       // bytes, guard included
  std::size_t guard = 0;        // bytes of guard at `base`
  std::size_t valgrind_id = 0;  // word-sized: a 4-byte field made every copy of a Stack a store-forwarding stall
  StackChunk* chunk = nullptr;  // the chunk it was cut from, or null: a mapping of its own

  explicit operator bool() const noexcept { return base != nullptr; }
  // One past the highest usable byte: where a downward-growing stack starts.
  void* top() const noexcept { return static_cast<char*>(base) + mapped; }
  std::size_t usable() const noexcept { return mapped - guard; }
  bool guard_contains(const void* address) const noexcept {
    auto* p = static_cast<const char*>(address);
    auto* b = static_cast<const char*>(base);
    return p >= b && p < b + guard;
  }
};

class StackPool {
 public:
  // Smallest stack weft hands out: enough for glibc's lazy-binding trampoline that saves
  // the AVX-512 register file, should a binary not be linked with -z now.
  static constexpr std::size_t kMinimumSize = 16 * 1024;
  static constexpr std::size_t kChunkStacks = 16;
  static constexpr std::size_t kMaxChunkedSize = 1024 * 1024;  // guard included (sanitizer builds: 4x the stack)

  explicit StackPool(std::size_t max_pooled_bytes = std::size_t{256} << 20);
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;
  ~StackPool();

  // A stack with at least `usable` bytes (rounded up to pages, at least kMinimumSize).
  // Throws std::bad_alloc when the kernel refuses the mapping.
  Stack acquire(std::size_t usable);
  // Returns a stack for reuse, or gives it back to the kernel when the pool is full.
  void release(Stack stack) noexcept;

  std::size_t pooled_count() const noexcept;
  // Where guards are mprotect'ed (kernels before 6.13): how many stacks may have guard
  // pages at once in this process (half of vm.max_map_count's mappings).
  static std::size_t split_guard_stack_limit() noexcept;
  // Tests: guard pages by mprotect, as on kernels before 6.13, in this process. Call it
  // before the first stack is mapped.
  static void use_split_guards_for_testing(bool on) noexcept;
  std::size_t mapped_count() const noexcept { return mapped_count_; }

 private:
  // A chunk being cut into stacks of one size. Each size in use has its own, up to
  // kCutSizes at once (a program with stacks of two sizes would otherwise get a mapping
  // per stack of the size not being cut).
  struct Cutter {
    StackChunk* chunk = nullptr;  // null: free for any size
    char* next = nullptr;
    std::size_t left = 0;  // stacks still to cut from it
    std::size_t size = 0;  // their size, guard included
  };
  static constexpr std::size_t kCutSizes = 4;

  static Stack fresh(Stack stack) noexcept;
  Stack cut(Cutter& cutter, std::size_t mapped, std::size_t guard);
  // Drops the pool's reference to the cutter's chunk (its stacks keep theirs).
  static void stop_cutting(Cutter& cutter) noexcept;
  struct SizeClass {
    std::size_t mapped;
    std::vector<Stack> free;
  };
  Stack hot_{};  // the stack released last: a spawn right after a fiber ended takes it
  std::vector<SizeClass> classes_;
  std::size_t pooled_bytes_ = 0;
  std::size_t max_pooled_bytes_;
  std::size_t mapped_count_ = 0;
  std::array<Cutter, kCutSizes> cutters_{};
};

}  // namespace weft::sched::detail
