// Storage behind weft::FiberLocal: per-fiber slots indexed by a process-wide key.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace weft::sched {
class Fiber;
}

namespace weft::sched::detail {

using LocalDeleter = void (*)(void*) noexcept;

class FiberLocalSlots {
 public:
  ~FiberLocalSlots() { clear(); }
  // Destroys every value, last key first.
  void clear() noexcept;
  void*& slot(std::size_t key, LocalDeleter deleter);
  void* find(std::size_t key) const noexcept;
  void erase(std::size_t key) noexcept;

 private:
  std::vector<std::pair<void*, LocalDeleter>> slots_;
};

// A fresh key for a FiberLocal object.
std::size_t allocate_local_key() noexcept;
// The slot of `key` in `fiber` (created null). The deleter runs when the fiber ends.
void*& local_slot(Fiber& fiber, std::size_t key, LocalDeleter deleter);
// The value stored for `key` in `fiber`, or null.
void* find_local(const Fiber& fiber, std::size_t key) noexcept;
// Destroys the value of `key` in `fiber`, if any.
void erase_local(Fiber& fiber, std::size_t key) noexcept;

}  // namespace weft::sched::detail
