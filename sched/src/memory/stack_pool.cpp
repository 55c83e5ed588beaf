// Fiber stacks: mmap with a guard page, pooled per worker for reuse.
#include "weft/sched/detail/stack.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
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

Stack map_stack(std::size_t mapped, std::size_t guard) {
  void* base = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  if (::mprotect(base, guard, PROT_NONE) != 0) {
    ::munmap(base, mapped);
    throw std::bad_alloc();
  }
  Stack stack{base, mapped, guard, 0};
#ifdef WEFT_VALGRIND
  stack.valgrind_id = VALGRIND_STACK_REGISTER(static_cast<char*>(base) + guard,
                                              static_cast<char*>(base) + mapped);
#endif
  return stack;
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
  unmap_stack(stack);
  --mapped_count_;
}

std::size_t StackPool::pooled_count() const noexcept {
  std::size_t n = hot_ ? 1 : 0;
  for (const auto& c : classes_) n += c.free.size();
  return n;
}

}  // namespace weft::sched::detail
