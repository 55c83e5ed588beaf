// Small portability and invariant macros shared by the whole tree.
#pragma once

#include <cstdio>
#include <cstdlib>

#define WEFT_LIKELY(x) __builtin_expect(!!(x), 1)
#define WEFT_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WEFT_NOINLINE __attribute__((noinline))
#define WEFT_ALWAYS_INLINE inline __attribute__((always_inline))

// The hot thread-local of a worker: initial-exec avoids __tls_get_addr when weft is
// linked as a static library into the executable (the default build).
#define WEFT_TLS_FAST __attribute__((tls_model("initial-exec")))

#if defined(__SANITIZE_ADDRESS__)
#define WEFT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define WEFT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WEFT_TSAN 1
#endif
#endif

// Reads a pointer-sized initial-exec thread-local declared `extern "C"` by its symbol
// name. The asm is volatile, so the compiler re-reads it after every call: a fiber may
// resume on another kernel thread after any switch, and GCC and Clang would otherwise
// keep the first thread's TLS address. Other targets fall back to a non-inlined call.
#if defined(__x86_64__) && defined(__GNUC__)
#define WEFT_HAVE_TLS_ASM 1
#define WEFT_TLS_READ(type, symbol)                                                   \
  ([]() noexcept {                                                                    \
    type value_;                                                                      \
    asm volatile("movq " #symbol "@gottpoff(%%rip), %0\n\tmovq %%fs:(%0), %0"      \
                 : "=r"(value_));                                                     \
    return value_;                                                                    \
  }())
#endif

namespace weft::sched::detail {
[[noreturn]] void invariant_failed(const char* expr, const char* message, const char* file,
                                   int line) noexcept;
}  // namespace weft::sched::detail

// An internal invariant that holds in every build type. A failure is a bug in weft (or
// memory corruption), so it prints the message and aborts rather than throwing.
#define WEFT_INVARIANT(expr, message)                                                   \
  do {                                                                                  \
    if (WEFT_UNLIKELY(!(expr)))                                                         \
      ::weft::sched::detail::invariant_failed(#expr, message, __FILE__, __LINE__);             \
  } while (0)
