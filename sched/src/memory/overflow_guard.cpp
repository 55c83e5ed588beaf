// Stack-overflow reports: a SIGSEGV handler on an alternate stack names the fiber.
#include "memory/overflow_guard.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <mutex>

#include "worker.hpp"

namespace weft::sched::detail {

namespace {

constexpr std::size_t kAltStackSize = 64 * 1024;
struct sigaction g_previous_segv;
struct sigaction g_previous_bus;
std::once_flag g_install_once;

void write_all(const char* text) noexcept {
  std::size_t len = std::strlen(text);
  while (len > 0) {
    ssize_t n = ::write(STDERR_FILENO, text, len);
    if (n <= 0) return;
    text += n;
    len -= static_cast<std::size_t>(n);
  }
}

void write_number(unsigned long long value) noexcept {
  char buf[24];
  char* p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value);
  write_all(p);
}

void chain(const struct sigaction& previous, int sig, siginfo_t* info, void* context) {
  if (previous.sa_flags & SA_SIGINFO) {
    if (previous.sa_sigaction) {
      previous.sa_sigaction(sig, info, context);
      return;
    }
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
    return;
  }
  // Default action: restore it and return; the faulting instruction runs again and
  // the process dies of the signal.
  signal(sig, SIG_DFL);
}

void on_fault(int sig, siginfo_t* info, void* context) {
  const Fiber* fiber = Worker::running_fiber_for_signal();
  if (fiber && !fiber->is_thread_context() && info &&
      fiber->started() && FiberAccess::stack(*fiber).guard_contains(info->si_addr)) {
    write_all("weft: stack overflow in fiber #");
    write_number(fiber->id());
    if (!fiber->name().empty()) {
      write_all(" '");
      write_all(fiber->name().c_str());
      write_all("'");
    }
    write_all(": its ");
    write_number(FiberAccess::stack(*fiber).usable());
    if (fiber == Worker::first_fiber_for_signal())  // not spawned: no spawn option applies
      write_all("-byte stack is exhausted; it is the runtime's first fiber: give the runtime a "
                "larger RuntimeOptions::stack_size\n");
    else
      write_all("-byte stack is exhausted; spawn it with a larger stack_size\n");
    signal(sig, SIG_DFL);
    return;
  }
  chain(sig == SIGSEGV ? g_previous_segv : g_previous_bus, sig, info, context);
}

// This thread's alternate signal stack, unmapped when the thread exits.
class ThreadAltStack {
 public:
  ThreadAltStack() noexcept {
    stack_t old{};
    if (::sigaltstack(nullptr, &old) == 0 && !(old.ss_flags & SS_DISABLE)) return;  // it has one
    void* mem = ::mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    if (mem == MAP_FAILED) return;
    stack_t ss{};
    ss.ss_sp = mem;
    ss.ss_size = kAltStackSize;
    if (::sigaltstack(&ss, nullptr) == 0)
      stack_ = mem;
    else
      ::munmap(mem, kAltStackSize);
  }
  ThreadAltStack(const ThreadAltStack&) = delete;
  ThreadAltStack& operator=(const ThreadAltStack&) = delete;
  ~ThreadAltStack() {
    if (!stack_) return;
    // Someone may have put up another stack since: leave theirs alone (and ours mapped).
    stack_t current{};
    if (::sigaltstack(nullptr, &current) != 0 || current.ss_sp != stack_) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    if (::sigaltstack(&off, nullptr) == 0) ::munmap(stack_, kAltStackSize);
  }

 private:
  void* stack_ = nullptr;
};

}  // namespace

void install_overflow_guard() noexcept {
  thread_local ThreadAltStack alt_stack;  // constructed on the thread's first call
  (void)alt_stack;
  std::call_once(g_install_once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGSEGV, &sa, &g_previous_segv);
    ::sigaction(SIGBUS, &sa, &g_previous_bus);
  });
}

}  // namespace weft::sched::detail
