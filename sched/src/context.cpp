// The context switch. The only file in weft that includes Boost.Context; it also owns
// the sanitizer annotations of every switch (ASan fake stacks, TSan fibers) and the
// Valgrind stack registration happens in memory/stack_pool.cpp.
//
// weft uses Boost.Context's bottom layer, fcontext (make_fcontext / jump_fcontext), which
// its `fiber` class is built on. `fiber` would cost an extra round trip into every new
// fiber (to hand it its record) and a hop through an exit function at its end; here a
// new fiber starts straight in `fiber_start` and its stack goes back to the pool on the
// side that resumes after it.
//
// Symmetric switching: a fiber resumes the next fiber directly. Boost.Context hands the
// suspended caller to the resumed side as a return value, so the switcher leaves a note
// of who it is in `weft_switch_from_tls` and the resumed side files the caller's
// continuation back into the caller's Context.
#include "weft/sched/detail/context.hpp"

#include <boost/context/detail/fcontext.hpp>

#include "weft/sched/macros.hpp"

#if WEFT_ASAN
#include <sanitizer/asan_interface.h>
#endif
#if WEFT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace fc = boost::context::detail;

// jump_fcontext is entered with a call but leaves with an indirect jump, so each switch
// would leave one extra entry on the CPU's return-stack predictor, and every return after
// the switch would then be mispredicted (about 4 ns each here, several per switch).
// weft_balanced_jump enters jump_fcontext with a return address of its own whose only
// job is a `ret`: the suspended side comes back through that `ret`, calls and returns
// pair up again, and returns after a switch are predicted from the same call site. The
// 8-byte pad keeps jump_fcontext's frame aligned as if it had been called.
#if defined(__x86_64__) && defined(__linux__) && !defined(WEFT_PLAIN_JUMP)
#define WEFT_BALANCED_JUMP 1
extern "C" fc::transfer_t weft_balanced_jump(fc::fcontext_t to, void* data);
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

Context* switch_from() noexcept {
#ifdef WEFT_HAVE_TLS_ASM
  return WEFT_TLS_READ(Context*, weft_switch_from_tls);
#else
  return weft_switch_from_tls;
#endif
}

// Suspends the running context and resumes `to`, passing `data`; returns when somebody
// resumes the caller, with their suspended context.
inline fc::transfer_t jump(fc::fcontext_t to, void* data) noexcept {
#ifdef WEFT_BALANCED_JUMP
  return weft_balanced_jump(to, data);
#else
  return fc::jump_fcontext(to, data);
#endif
}

// The last switch of a fiber. A jump, not a call, into weft_balanced_jump: the resumed
// side's `ret` then pairs with the call that suspended it.
[[noreturn]] inline void jump_for_good(fc::fcontext_t to, void* data) noexcept {
#ifdef WEFT_BALANCED_JUMP
  asm volatile("jmp weft_balanced_jump" : : "D"(to), "S"(data) : "memory");
#else
  fc::jump_fcontext(to, data);
#endif
  __builtin_unreachable();
}

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
    (void)to;
    if (from_dies) from.ended_ = true;
    weft_switch_from_tls = &from;
  }

  // Runs on the resumed side: files the suspended caller's continuation, or gives the
  // stack of a caller that ended back to its pool (nothing runs on it any more).
  static void after_switch(Context& self, fc::fcontext_t caller) noexcept {
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
    if (WEFT_UNLIKELY(from->ended_)) {
      from->pool_->release(from->stack_);
      return;
    }
    WEFT_INVARIANT(from->handle_ == nullptr, "a suspended context was overwritten");
    from->handle_ = caller;
  }

  // Where a new fiber starts, called by make_fcontext's frame with the context that
  // switched to it and, as data, its own Context.
  [[noreturn]] static void fiber_start(fc::transfer_t t) noexcept {
    Context& self = *static_cast<Context*>(t.data);
    after_switch(self, t.fctx);
    Context& next = self.entry_(self.arg_);
    before_switch(self, next, /*from_dies=*/true);
    fc::fcontext_t to = next.handle_;
    next.handle_ = nullptr;
    jump_for_good(to, &next);
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
  pool_ = &pool;
  entry_ = entry;
  arg_ = arg;
#if WEFT_ASAN
  asan_bottom_ = static_cast<char*>(stack.base) + stack.guard;
  asan_size_ = stack.usable();
#endif
#if WEFT_TSAN
  tsan_fiber_ = __tsan_create_fiber(0);
#endif
  handle_ = fc::make_fcontext(stack.top(), stack.usable(), &ContextAccess::fiber_start);
}

void Context::switch_to(Context& from, Context& to) noexcept {
  ContextAccess::before_switch(from, to, /*from_dies=*/false);
  fc::fcontext_t target = to.handle_;
  to.handle_ = nullptr;
  // `to` reads its own Context from the data only when it starts (fiber_start).
  fc::fcontext_t caller = jump(target, &to).fctx;
  ContextAccess::after_switch(from, caller);
}

}  // namespace weft::sched::detail
