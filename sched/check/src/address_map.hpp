// A map from object addresses to per-run records (vector clocks, access histories) that
// keeps its memory from run to run: clear() forgets the keys in O(entries) and keeps
// both the table and the values, whose own buffers the next run then reuses. A checker
// run touches a handful of objects thousands of times per second; a node-based hash
// map paid malloc and free for each of them on every run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::check::detail {

// T must be default-constructible and have clear(), which makes it as new.
template <class T>
class AddressMap {
 public:
  // The value of `key`, made (or recycled and cleared) on its first use since clear().
  T& operator[](const void* key) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t at = home(key);
    for (;; at = (at + 1) & mask()) {
      const std::uint32_t slot = slots_[at];
      if (slot == 0) break;
      if (keys_[slot - 1] == key) return values_[slot - 1];
    }
    if (size_ == values_.size()) {
      values_.emplace_back();
      keys_.push_back(key);
    } else {
      values_[size_].clear();
      keys_[size_] = key;
    }
    slots_[at] = static_cast<std::uint32_t>(++size_);
    return values_[size_ - 1];
  }

  // The value of `key`, or null when it has none since clear().
  T* find(const void* key) noexcept {
    if (size_ == 0) return nullptr;
    for (std::size_t at = home(key);; at = (at + 1) & mask()) {
      const std::uint32_t slot = slots_[at];
      if (slot == 0) return nullptr;
      if (keys_[slot - 1] == key) return &values_[slot - 1];
    }
  }

  std::size_t size() const noexcept { return size_; }

  void clear() noexcept {
    // Newest first: every key's probe path runs only through slots of older keys (the
    // table always looks as if the keys went in in index order, growth included), so
    // it is still intact when the key's turn comes.
    for (std::size_t i = size_; i > 0; --i) slots_[slot_of(keys_[i - 1])] = 0;
    size_ = 0;
  }

 private:
  std::size_t mask() const noexcept { return slots_.size() - 1; }
  std::size_t home(const void* key) const noexcept {
    // Objects are at least 8-byte aligned; Fibonacci hashing spreads the rest.
    const auto bits = reinterpret_cast<std::uintptr_t>(key) >> 3;
    return static_cast<std::size_t>(bits * 0x9e3779b97f4a7c15ULL >> 32) & mask();
  }
  // The table position of a key that is in the map.
  std::size_t slot_of(const void* key) const noexcept {
    std::size_t at = home(key);
    while (keys_[slots_[at] - 1] != key) at = (at + 1) & mask();
    return at;
  }
  void grow() {
    slots_.assign(slots_.empty() ? 16 : slots_.size() * 2, 0);
    for (std::size_t i = 0; i < size_; ++i) {
      std::size_t at = home(keys_[i]);
      while (slots_[at] != 0) at = (at + 1) & mask();
      slots_[at] = static_cast<std::uint32_t>(i + 1);
    }
  }

  std::vector<std::uint32_t> slots_;  // index + 1 into keys_ and values_; 0 is empty
  std::vector<const void*> keys_;
  std::vector<T> values_;  // the first size_ are in use, the rest wait for reuse
  std::size_t size_ = 0;
};

}  // namespace weft::check::detail
