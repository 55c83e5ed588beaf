// Stack-overflow reports. A thread that runs a worker gets an alternate signal stack and
// a SIGSEGV handler that recognises a fault in the running fiber's guard page, prints
// the fiber's name and id, and lets the process die of the signal. Faults elsewhere go
// to the previously installed handler (or the default action).
#pragma once

namespace weft::sched::detail {

// Installs the handler (once per process) and this thread's alternate signal stack (once
// per thread: the checker starts a run thousands of times a second, and three
// sigaltstack calls plus an mmap and a munmap per run cost more than the run). The stack
// stays until the thread exits; a thread that already has one (e.g. a sanitizer's)
// keeps its own.
void install_overflow_guard() noexcept;

}  // namespace weft::sched::detail
