// weft::lock and weft::ScopedLock: take several locks at once without deadlock.
//
// Deadlock avoidance by a global order: the locks are always taken in ascending order of
// their addresses. Two fibers that both use weft::lock (or ScopedLock) on overlapping
// sets therefore take the shared locks in the same order and cannot wait for each other
// in a cycle. Locks taken by plain lock() calls in some other order are not covered; turn
// on lock-order checking (weft/sync/lock_order.hpp) to find those.
#pragma once

#include <array>
#include <cstddef>
#include <mutex>
#include <tuple>

namespace weft {

namespace detail {
// One lock of a weft::lock call, type-erased.
struct LockSlot {
  void* object;       // what lock() and unlock() are called on
  const void* order;  // the address that places it in the global order
  void (*lock)(void*);
  void (*unlock)(void*);
};

// A wrapper such as std::unique_lock or std::shared_lock is ordered by the mutex it
// refers to: two fibers wrapping the same mutexes in different stack objects must still
// agree on the order.
template <class M>
const void* lock_order_address(M& m) noexcept {
  if constexpr (requires { m.mutex(); }) {
    if (m.mutex() != nullptr) return m.mutex();
  }
  return &m;
}

template <class M>
LockSlot lock_slot(M& m) noexcept {
  return LockSlot{&m, lock_order_address(m), [](void* p) { static_cast<M*>(p)->lock(); },
                  [](void* p) { static_cast<M*>(p)->unlock(); }};
}

// Sorts `slots` by their order address and locks them in that order. If a lock() throws,
// the locks already taken are released (in reverse order) before the exception
// propagates. Throws UsageError if the same lock appears twice.
void lock_in_address_order(LockSlot* slots, std::size_t count);
}  // namespace detail

// Locks every argument (each with lock() and unlock(), e.g. Mutex, RecursiveMutex,
// SharedMutex, or a std::unique_lock / std::shared_lock of one) in ascending address
// order of the mutexes; see the top of this header. Blocks like the
// locks' own lock(). If one of them throws (Cancelled, LockOrderError, ...), the ones
// already taken are released and the exception propagates: all or nothing. Throws
// UsageError if the same lock is passed twice. Call from a fiber.
template <class... Locks>
void lock(Locks&... locks) {
  std::array<detail::LockSlot, sizeof...(Locks)> slots{detail::lock_slot(locks)...};
  if constexpr (sizeof...(Locks) > 0) detail::lock_in_address_order(slots.data(), slots.size());
}

// RAII form of weft::lock: locks all of `locks` in address order on construction (or
// adopts them, already locked, with std::adopt_lock) and unlocks them on destruction.
// Like std::scoped_lock, but deadlock-free by a documented global order rather than
// by std::lock's try-and-back-off.
template <class... Locks>
class ScopedLock {
 public:
  explicit ScopedLock(Locks&... locks) : locks_(locks...) { weft::lock(locks...); }
  ScopedLock(std::adopt_lock_t, Locks&... locks) noexcept : locks_(locks...) {}
  ScopedLock(const ScopedLock&) = delete;
  ScopedLock& operator=(const ScopedLock&) = delete;
  ~ScopedLock() {
    std::apply([](auto&... held) { (held.unlock(), ...); }, locks_);
  }

 private:
  std::tuple<Locks&...> locks_;
};

}  // namespace weft
