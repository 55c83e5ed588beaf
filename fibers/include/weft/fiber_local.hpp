// Fiber-local storage: one value per fiber, like thread_local (or Python's
// threading.local) for fibers. The value is created on first access in a fiber, from
// the initialiser, and destroyed when that fiber ends (on the fiber, in reverse order of
// creation). Accessing it outside a fiber throws UsageError.
#pragma once

#include <functional>
#include <utility>

#include "weft/sched/detail/fiber_locals.hpp"
#include "weft/sched/kernel.hpp"

namespace weft {

template <class T>
class FiberLocal {
 public:
  // Each fiber's value starts as T{}.
  FiberLocal() : init_([] { return T{}; }) {}
  // Each fiber's value starts as init().
  explicit FiberLocal(std::function<T()> init) : init_(std::move(init)) {}
  FiberLocal(const FiberLocal&) = delete;
  FiberLocal& operator=(const FiberLocal&) = delete;

  // The calling fiber's value, created on first use.
  T& get() {
    sched::Fiber& fiber = sched::require_fiber("weft::FiberLocal");
    void*& slot = sched::detail::local_slot(fiber, key_, &destroy);
    if (slot == nullptr) slot = new T(init_());
    return *static_cast<T*>(slot);
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }

  // True if the calling fiber has created its value.
  bool has_value() const {
    return sched::detail::find_local(sched::require_fiber("weft::FiberLocal"), key_) != nullptr;
  }
  // Destroys the calling fiber's value; the next get() creates a fresh one.
  void reset() { sched::detail::erase_local(sched::require_fiber("weft::FiberLocal"), key_); }

 private:
  static void destroy(void* value) noexcept { delete static_cast<T*>(value); }

  std::size_t key_ = sched::detail::allocate_local_key();
  std::function<T()> init_;
};

}  // namespace weft
