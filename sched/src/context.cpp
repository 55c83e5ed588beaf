// The context switch. The only file in weft that includes Boost.Context; it also owns
// the sanitizer annotations of every switch (ASan fake stacks, TSan fibers) and the
// Valgrind stack registration happens in stack_pool.cpp.
//
// Symmetric switching: a fiber resumes the next fiber directly. Boost.Context hands the
// suspended caller to the resumed side as a return value, so the switcher leaves a note
// of who it is in `weft_switch_from_tls` and the resumed side files the caller's continuation
// back into the caller's Context.
#include "weft/sched/detail/context.hpp"

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>
#include <boost/context/preallocated.hpp>
#include <boost/context/stack_context.hpp>

#include <cstring>
#include <new>
#include <utility>

#include "weft/sched/macros.hpp"

#if WEFT_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if WEFT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace ctx = boost::context;

// Every switch goes through Boost.Context's jump_fcontext. It is entered with a call but
// leaves with an indirect jump, so each switch leaves one extra entry on the CPU's
// return-stack predictor and every return after the switch is then mispredicted (about
// 4 ns each here, several per switch). weft_balanced_jump enters jump_fcontext with a
// return address of its own whose only instruction is a `ret`: the suspended side comes
// back through that `ret`, calls and returns pair up again, and returns after a switch
// are predicted from the same call site. The suspended state stays Boost.Context's.
// The 8-byte pad keeps jump_fcontext's frame aligned as if it had been called: at a
// fiber's end Boost.Context runs its exit function on top of that frame.
#if defined(__x86_64__) && defined(__linux__) && !defined(WEFT_PLAIN_JUMP)
#define WEFT_BALANCED_JUMP 1
extern "C" ctx::detail::transfer_t weft_balanced_jump(ctx::detail::fcontext_t to, void* data);
asm(R"(
    .text
    .p2align 4
    .globl weft_balanced_jump
    .hidden weft_balanced_jump
    .type weft_balanced_jump, @function
weft_balanced_jump:
    leaq 1f(%rip), %rax
    subq $8, %rsp
    pushq %rax
    jmp jump_fcontext@PLT
1:  leaq 8(%rsp), %rsp
    ret
    .size weft_balanced_jump, .-weft_balanced_jump
)");
#endif

extern "C" {
// Who switched last on this thread. Written before a switch and read after it, maybe on
// another thread (M:N): always read through WEFT_TLS_READ so no stale address is reused.
__attribute__((used)) constinit thread_local weft::sched::detail::Context* weft_switch_from_tls
    WEFT_TLS_FAST = nullptr;
}

namespace weft::sched::detail {

namespace {

static_assert(sizeof(ctx::fiber) == sizeof(void*), "Context stores a fiber as one pointer");

Context* switch_from() noexcept {
#ifdef WEFT_HAVE_TLS_ASM
  return WEFT_TLS_READ(Context*, weft_switch_from_tls);
#else
  return weft_switch_from_tls;
#endif
}

ctx::fiber take(void*& handle) noexcept {
  ctx::fiber f;
  std::memcpy(static_cast<void*>(&f), &handle, sizeof(void*));
  handle = nullptr;
  return f;
}

void put(void*& handle, ctx::fiber&& f) noexcept {
  WEFT_INVARIANT(handle == nullptr, "a suspended context was overwritten");
  std::memcpy(&handle, static_cast<void*>(&f), sizeof(void*));
  new (static_cast<void*>(&f)) ctx::fiber();  // moved-from: `f` must not unwind it
}

// Gives the pool back its stack after the fiber has ended (runs on the resumed side).
struct PoolAllocator {
  StackPool* pool;
  Stack stack;
  ctx::stack_context allocate() { return {}; }  // never called: the stack is preallocated
  void deallocate(ctx::stack_context&) noexcept { pool->release(stack); }
};

}  // namespace

struct ContextAccess {
  // Sanitizer hook before leaving `from` for `to`; `from_dies` when `from` is ending.
  static void before_switch(Context& from, Context& to, bool from_dies) noexcept {
#if WEFT_ASAN
    __sanitizer_start_switch_fiber(from_dies ? nullptr : &from.asan_fake_stack_, to.asan_bottom_,
                                   to.asan_size_);
#endif
#if WEFT_TSAN
    __tsan_switch_to_fiber(to.tsan_fiber_, 0);
#endif
    (void)from;
    (void)to;
    (void)from_dies;
    weft_switch_from_tls = &from;
  }

  // Runs on the resumed side: files the suspended caller's continuation.
  static void after_switch(Context& self, ctx::fiber&& caller) noexcept {
    Context* from = switch_from();
#if WEFT_ASAN
    const void* bottom = nullptr;
    std::size_t size = 0;
    __sanitizer_finish_switch_fiber(self.asan_fake_stack_, &bottom, &size);
    // Learn the bounds of stacks we did not allocate (a kernel thread's own stack).
    if (from->is_thread_) {
      from->asan_bottom_ = bottom;
      from->asan_size_ = size;
    }
#endif
    (void)self;
    if (caller) put(from->handle_, std::move(caller));
  }
};

Context::~Context() {
  WEFT_INVARIANT(handle_ == nullptr || is_thread_, "destroying a suspended fiber context");
#if WEFT_TSAN
  if (tsan_fiber_ && !is_thread_) __tsan_destroy_fiber(tsan_fiber_);
#endif
}

void Context::adopt_thread() noexcept {
  is_thread_ = true;
#if WEFT_TSAN
  tsan_fiber_ = __tsan_get_current_fiber();
#endif
}

void Context::create(StackPool& pool, Stack stack, Entry entry, void* arg) {
  stack_ = stack;
#if WEFT_ASAN
  asan_bottom_ = static_cast<char*>(stack.base) + stack.guard;
  asan_size_ = stack.usable();
#endif
#if WEFT_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
  ctx::stack_context sctx;
  sctx.sp = stack.top();
  sctx.size = stack.usable();
  // Boost.Context keeps its small control record at the top of the stack itself.
  ctx::preallocated prealloc(sctx.sp, sctx.size, sctx);
  ctx::fiber f(std::allocator_arg, prealloc, PoolAllocator{&pool, stack},
               [this, entry, arg](ctx::fiber&& caller) -> ctx::fiber {
                 ContextAccess::after_switch(*this, std::move(caller));
                 Context& next = entry(arg);
                 ContextAccess::before_switch(*this, next, /*from_dies=*/true);
                 return take(next.handle_);
               });
  put(handle_, std::move(f));
}

void Context::switch_to(Context& from, Context& to) noexcept {
  ContextAccess::before_switch(from, to, /*from_dies=*/false);
#ifdef WEFT_BALANCED_JUMP
  void* target = to.handle_;
  to.handle_ = nullptr;
  void* back = weft_balanced_jump(target, nullptr).fctx;
  ctx::fiber caller;
  std::memcpy(static_cast<void*>(&caller), &back, sizeof(void*));
#else
  ctx::fiber caller = take(to.handle_).resume();
#endif
  ContextAccess::after_switch(from, std::move(caller));
}

}  // namespace weft::sched::detail
