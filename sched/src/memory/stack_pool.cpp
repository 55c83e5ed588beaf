// Fiber stacks: chunks of stacks (or a mapping each) with a guard page below every stack,
// pooled per worker for reuse (see detail/stack.hpp).
#include "weft/sched/detail/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <new>
#include <optional>

#include "weft/sched/macros.hpp"

#if WEFT_ASAN
#include <sanitizer/asan_interface.h>
#endif

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WEFT_VALGRIND 1
#endif

namespace weft::sched::detail {

namespace {

std::size_t page_size() noexcept {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

// `to` is a power of two (a page size).
std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) & ~(to - 1); }

// MADV_GUARD_INSTALL (Linux 6.13): accesses to the range fault, and the mapping is not
// split. Debian 12's headers predate it.
constexpr int kMadvGuardInstall = 102;

void* map_anonymous(std::size_t bytes) {
  void* base = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  return base;
}

// Set by tests to take the older kernels' way on any kernel.
std::atomic<bool> g_without_guard_install{false};

bool guard_install_works() noexcept {
  static const bool works = [] {
    const std::size_t page = page_size();
    void* probe = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe == MAP_FAILED) return false;
    const bool installed = ::madvise(probe, page, kMadvGuardInstall) == 0;
    ::munmap(probe, 2 * page);
    return installed;
  }();
  return works && !g_without_guard_install.load(std::memory_order_relaxed);
}

// Makes [base, base + guard) fault on every access.
bool install_guard(void* base, std::size_t guard) noexcept {
  if (guard_install_works() && ::madvise(base, guard, kMadvGuardInstall) == 0) return true;
  return ::mprotect(base, guard, PROT_NONE) == 0;
}

// Without MADV_GUARD_INSTALL, an mprotect'ed guard splits its mapping: each guarded stack
// takes two mappings (its guard and itself), in a chunk or not. Such stacks may use half
// of vm.max_map_count; the rest stays for the program (malloc, threads, files). Past
// that, stacks get no guard page (a chunk of 16 is then one mapping) instead of failing,
// with a warning.
std::size_t split_guard_limit() noexcept {
  static const std::size_t limit = [] {
    std::size_t maps = 65'530;  // the kernel's default, should /proc not say
    if (std::FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
      unsigned long long n = 0;
      if (std::fscanf(f, "%llu", &n) == 1 && n > 0) maps = static_cast<std::size_t>(n);
      std::fclose(f);
    }
    return maps / 4;
  }();
  return limit;
}

std::atomic<std::size_t> g_split_guards{0};  // mapped stacks whose guard is an mprotect

// Counts `stacks` more mprotect'ed guards; false (and a warning, once) over the limit.
bool reserve_split_guards(std::size_t stacks) noexcept {
  if (g_split_guards.fetch_add(stacks, std::memory_order_relaxed) + stacks <= split_guard_limit()) return true;
  g_split_guards.fetch_sub(stacks, std::memory_order_relaxed);
  static std::atomic<bool> warned{false};
  if (!warned.exchange(true, std::memory_order_relaxed))
    std::fprintf(stderr,
                 "weft: %zu fiber stacks have guard pages, as many as vm.max_map_count allows on "
                 "this kernel (before Linux 6.13 each guard splits a mapping); stacks mapped from "
                 "now on have none, so an overflow there corrupts memory instead of stopping the "
                 "program. Raise vm.max_map_count to keep them.\n",
                 split_guard_limit());
  return false;
}

void release_split_guards(std::size_t stacks) noexcept {
  // Never below zero: a stack guarded before a test turned the mprotect way on counts
  // as split when it goes, without having been counted.
  std::size_t now = g_split_guards.load(std::memory_order_relaxed);
  while (!g_split_guards.compare_exchange_weak(now, now >= stacks ? now - stacks : 0, std::memory_order_relaxed)) {
  }
}

// How the stacks of a new chunk get their guard pages.
StackChunk::Guards guards_for_new_chunk() noexcept {
  if (guard_install_works()) return StackChunk::Guards::Installed;
  return reserve_split_guards(StackPool::kChunkStacks) ? StackChunk::Guards::Split : StackChunk::Guards::None;
}

Stack registered(Stack stack) noexcept {
#ifdef WEFT_VALGRIND
  stack.valgrind_id = VALGRIND_STACK_REGISTER(static_cast<char*>(stack.base) + stack.guard,
                                              static_cast<char*>(stack.base) + stack.mapped);
#endif
  return stack;
}

// A stack of its own mapping has an mprotect'ed guard where the kernel cannot install
// one (the toggle for tests is set before any stack is mapped).
bool has_split_guard(const Stack& stack) noexcept {
  return stack.chunk == nullptr && stack.guard != 0 && !guard_install_works();
}

Stack map_stack(std::size_t mapped, std::size_t guard) {
  void* base = map_anonymous(mapped);
  const bool split = !guard_install_works();
  if (split && !reserve_split_guards(1)) guard = 0;  // the page below the stack is part of it
  if (guard != 0 && !install_guard(base, guard)) {
    if (split) release_split_guards(1);
    ::munmap(base, mapped);
    throw std::bad_alloc();
  }
  return registered(Stack{base, mapped, guard, 0, nullptr});
}

void drop_chunk(StackChunk* chunk) noexcept {
  if (chunk->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  ::munmap(chunk->base, chunk->bytes);
  if (chunk->guards == StackChunk::Guards::Split) release_split_guards(StackPool::kChunkStacks);
  delete chunk;
}

// ASan keeps the shadow of unmapped memory: a stack unmapped with the poisoned redzones
// of frames that never returned would hand them to the next mapping at that address (the
// next stack, whose frames then hit them). Clear them before the memory goes back.
void unmap_stack(const Stack& stack) noexcept {
#ifdef WEFT_VALGRIND
  VALGRIND_STACK_DEREGISTER(stack.valgrind_id);
#endif
#if WEFT_ASAN
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.base) + stack.guard, stack.usable());
#endif
  if (stack.chunk) {
    drop_chunk(stack.chunk);
    return;
  }
  if (has_split_guard(stack)) release_split_guards(1);
  ::munmap(stack.base, stack.mapped);
}

// Stacks left over by pools that were destroyed on this thread. A thread that creates
// runtime after runtime (the interleaving checker runs a scenario thousands of times)
// then reuses mapped stacks instead of paying mmap and page faults for every run.
struct SpareStacks {
  static constexpr std::size_t kMaxStacks = 64;
  std::vector<Stack> stacks;
  ~SpareStacks() {
    for (auto& s : stacks) unmap_stack(s);
  }
  bool keep(const Stack& stack) {
    if (stacks.size() >= kMaxStacks) return false;
    stacks.push_back(stack);
    return true;
  }
  std::optional<Stack> take(std::size_t mapped) {
    for (auto it = stacks.begin(); it != stacks.end(); ++it) {
      if (it->mapped != mapped) continue;
      Stack s = *it;
      stacks.erase(it);
      return s;
    }
    return std::nullopt;
  }
};

thread_local SpareStacks t_spare WEFT_TLS_FAST;

}  // namespace

// A reused stack may still carry the poisoned redzones of frames that never returned
// (a fiber leaves its stack by a jump): clear them before new frames land there.
Stack StackPool::fresh(Stack stack) noexcept {
#if WEFT_ASAN
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack.base) + stack.guard, stack.usable());
#endif
  return stack;
}

StackPool::StackPool(std::size_t max_pooled_bytes) : max_pooled_bytes_(max_pooled_bytes) {}

StackPool::~StackPool() {
  if (hot_ && !t_spare.keep(hot_)) unmap_stack(hot_);
  for (auto& size_class : classes_)
    for (auto& stack : size_class.free)
      if (!t_spare.keep(stack)) unmap_stack(stack);
  for (Cutter& cutter : cutters_) stop_cutting(cutter);
}

Stack StackPool::cut(Cutter& cutter, std::size_t mapped, std::size_t guard) {
  if (cutter.chunk == nullptr) {
    const std::size_t bytes = mapped * kChunkStacks;
    void* base = map_anonymous(bytes);
    // Never huge pages (where they are on for all memory): a stack touches a page or two,
    // and adjacent chunks merge into one mapping with 2 MiB-aligned ranges inside.
    ::madvise(base, bytes, MADV_NOHUGEPAGE);
    try {
      cutter.chunk = new StackChunk{base, bytes, {1}};  // the pool's own reference while it cuts
    } catch (...) {
      ::munmap(base, bytes);
      throw;
    }
    cutter.chunk->guards = guards_for_new_chunk();
    cutter.next = static_cast<char*>(base);
    cutter.left = kChunkStacks;
    cutter.size = mapped;
  }
  StackChunk* chunk = cutter.chunk;
  void* base = cutter.next;
  cutter.next += mapped;
  const bool last = --cutter.left == 0;
  bool guarded = true;
  if (chunk->guards == StackChunk::Guards::None)
    guard = 0;  // the page below the stack is part of it
  else
    guarded = install_guard(base, guard);
  if (guarded) chunk->refs.fetch_add(1, std::memory_order_relaxed);
  if (last) stop_cutting(cutter);  // after the stack's reference: the chunk stays mapped
  if (!guarded) throw std::bad_alloc();  // the slot stays unused
  return registered(Stack{base, mapped, guard, 0, chunk});
}

void StackPool::stop_cutting(Cutter& cutter) noexcept {
  if (cutter.chunk == nullptr) return;
  drop_chunk(cutter.chunk);
  cutter = Cutter{};
}

Stack StackPool::acquire(std::size_t usable) {
  const std::size_t page = page_size();
  const std::size_t mapped = round_up(std::max(usable, kMinimumSize), page) + page;
  if (hot_.mapped == mapped) {
    Stack stack = hot_;
    hot_ = Stack{};
    pooled_bytes_ -= mapped;
    return fresh(stack);
  }
  for (auto& size_class : classes_) {
    if (size_class.mapped != mapped || size_class.free.empty()) continue;
    Stack stack = size_class.free.back();
    size_class.free.pop_back();
    pooled_bytes_ -= mapped;
    return fresh(stack);
  }
  ++mapped_count_;
  if (auto spare = t_spare.take(mapped)) return fresh(*spare);
  if (mapped <= kMaxChunkedSize) {
    // The chunk being cut for this size, or a new one; with more sizes in use at once
    // than cutters, a stack gets a mapping of its own.
    Cutter* idle = nullptr;
    for (Cutter& cutter : cutters_) {
      if (cutter.chunk != nullptr && cutter.size == mapped) return cut(cutter, mapped, page);
      if (cutter.chunk == nullptr && idle == nullptr) idle = &cutter;
    }
    if (idle) return cut(*idle, mapped, page);
  }
  return map_stack(mapped, page);
}

void StackPool::release(Stack stack) noexcept {
  if (pooled_bytes_ + stack.mapped <= max_pooled_bytes_) {
    if (!hot_) {
      hot_ = stack;
      pooled_bytes_ += stack.mapped;
      return;
    }
    auto it = std::find_if(classes_.begin(), classes_.end(),
                           [&](const SizeClass& c) { return c.mapped == stack.mapped; });
    try {
      if (it == classes_.end()) it = classes_.insert(classes_.end(), SizeClass{stack.mapped, {}});
      it->free.push_back(stack);
      pooled_bytes_ += stack.mapped;
      return;
    } catch (const std::bad_alloc&) {
      // No memory for the bookkeeping: fall through and unmap.
    }
  }
  // A stack of a chunk keeps its address range until the chunk goes: give its pages back.
  if (stack.chunk)
    ::madvise(static_cast<char*>(stack.base) + stack.guard, stack.usable(), MADV_DONTNEED);
  unmap_stack(stack);
  --mapped_count_;
}

void StackPool::use_split_guards_for_testing(bool on) noexcept {
  g_without_guard_install.store(on, std::memory_order_relaxed);
}

std::size_t StackPool::split_guard_stack_limit() noexcept { return split_guard_limit(); }

std::size_t StackPool::pooled_count() const noexcept {
  std::size_t n = hot_ ? 1 : 0;
  for (const auto& c : classes_) n += c.free.size();
  return n;
}

}  // namespace weft::sched::detail
