// The buffer behind PriorityChannel<T, Compare>: a binary heap ordered by Compare, with a
// sequence number so that equal elements leave in the order they arrived. Not
// synchronised: the channel's lock guards it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace weft::detail {

template <class T, class Compare>
class PriorityBuffer {
 public:
  explicit PriorityBuffer(Compare compare = Compare{}) : less_{std::move(compare)} {}

  std::size_t size() const noexcept { return heap_.size(); }

  // Inserts `value` (moved from). May allocate; if that throws, `value` and the buffer
  // are unchanged. Never allocates below the size reached before.
  void push(T&& value) {
    // Grow first: a bad_alloc must leave the caller's value untouched.
    if (heap_.size() == heap_.capacity()) heap_.reserve(heap_.empty() ? 4 : 2 * heap_.size());
    heap_.push_back(Entry{std::move(value), next_seq_++});
    std::push_heap(heap_.begin(), heap_.end(), less_);
  }
  // The element of highest priority (the oldest among equals). Precondition: size() > 0.
  T& front() noexcept { return heap_.front().value; }
  // Removes front(). Precondition: size() > 0.
  void pop() noexcept {
    std::pop_heap(heap_.begin(), heap_.end(), less_);
    heap_.pop_back();
  }

 private:
  struct Entry {
    T value;
    std::uint64_t seq;
  };
  // Heap order: `a` leaves after `b` when it has lower priority, or equal priority and
  // arrived later.
  struct EntryLess {
    Compare compare;
    bool operator()(const Entry& a, const Entry& b) const {
      if (compare(a.value, b.value)) return true;
      if (compare(b.value, a.value)) return false;
      return a.seq > b.seq;
    }
  };

  EntryLess less_;
  std::vector<Entry> heap_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace weft::detail
