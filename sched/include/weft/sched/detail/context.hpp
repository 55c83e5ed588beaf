// The machine context of a fiber: the only place in weft that touches Boost.Context
// (see src/context.cpp). Holds the suspended Boost.Context fiber as opaque storage so
// no header includes <boost/context/...>, plus the sanitizer bookkeeping of the stack.
#pragma once

#include <cstddef>

#include "weft/sched/detail/stack.hpp"

namespace weft::sched::detail {

class Context {
 public:
  // Runs the body of a new fiber and returns the context to switch to when it ends.
  using Entry = Context& (*)(void* arg) noexcept;

  Context() noexcept = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context();

  // Makes this the context of the calling kernel thread's own stack.
  void adopt_thread() noexcept;
  // Prepares a new fiber on `stack` that calls entry(arg) when first switched to and
  // switches to the context entry returns when it ends. The stack goes back to `pool`
  // on the resumed side, right after that last switch.
  void create(StackPool& pool, Stack stack, Entry entry, void* arg);

  // Suspends `from` (the running context) and resumes `to`. Returns in `from` when some
  // context switches back to it, possibly on another kernel thread.
  static void switch_to(Context& from, Context& to) noexcept;

  const Stack& stack() const noexcept { return stack_; }
  // True once create() gave it a stack (a running fiber has no suspended handle).
  bool started() const noexcept { return stack_.base != nullptr || is_thread_; }
  // Where the stack goes when the fiber has ended: the pool of the worker it ends on.
  void return_stack_to(StackPool& pool) noexcept { pool_ = &pool; }

 private:
  friend struct ContextAccess;
  void* handle_ = nullptr;          // Boost.Context fcontext_t while suspended (see context.cpp)
  Stack stack_{};                   // empty for a thread's own stack
  StackPool* pool_ = nullptr;       // where stack_ goes back when the fiber has ended
  Entry entry_ = nullptr;
  void* arg_ = nullptr;
  bool is_thread_ = false;
  bool ended_ = false;              // its last switch happened: the stack is free
  // Sanitizer state (unused in plain builds).
  void* asan_fake_stack_ = nullptr;
  const void* asan_bottom_ = nullptr;
  std::size_t asan_size_ = 0;
  [[maybe_unused]] void* tsan_fiber_ = nullptr;  // read by TSan builds only
};

}  // namespace weft::sched::detail
