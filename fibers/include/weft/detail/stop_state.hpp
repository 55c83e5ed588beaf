// The shared state of a StopSource and its tokens. Internal to weft's headers; not part
// of the API.
#pragma once

#include <atomic>
#include <thread>

#include "weft/sched/detail/intrusive_list.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft::detail {

// A registered StopCallback: an intrusive node with a type-erased call.
struct StopCallbackNode {
  void (*invoke)(StopCallbackNode* self) noexcept = nullptr;
  StopCallbackNode* prev = nullptr;
  StopCallbackNode* next = nullptr;
  bool linked = false;
};

class StopState {
 public:
  bool stop_requested() const noexcept { return requested_.load(std::memory_order_acquire); }

  // Sets the flag and runs the registered callbacks on the calling thread, in
  // registration order. Returns false if stop was requested before.
  bool request_stop();

  // Registers `node`; false (nothing registered) when stop was requested already.
  bool add(StopCallbackNode& node) noexcept;
  // Unregisters `node`. If its callback is running on another thread, returns once it
  // has finished; if it runs on this thread (the callback destroys its own
  // registration), returns at once.
  void remove(StopCallbackNode& node) noexcept;

 private:
  sched::detail::SpinLock lock_;
  std::atomic<bool> requested_{false};
  sched::detail::IntrusiveList<StopCallbackNode> callbacks_;  // guarded by lock_
  StopCallbackNode* running_ = nullptr;  // the callback being run by request_stop
  std::thread::id running_thread_;
};

}  // namespace weft::detail
