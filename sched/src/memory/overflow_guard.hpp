// Stack-overflow reports. While a worker runs, its thread has an alternate signal stack
// and a SIGSEGV handler that recognises a fault in the running fiber's guard page,
// prints the fiber's name and id, and lets the process die of the signal. Faults
// elsewhere go to the previously installed handler (or the default action).
#pragma once

namespace weft::sched::detail {

class OverflowGuard {
 public:
  OverflowGuard() noexcept;
  OverflowGuard(const OverflowGuard&) = delete;
  OverflowGuard& operator=(const OverflowGuard&) = delete;
  ~OverflowGuard();

 private:
  void* alt_stack_ = nullptr;
  bool installed_ = false;
};

}  // namespace weft::sched::detail
