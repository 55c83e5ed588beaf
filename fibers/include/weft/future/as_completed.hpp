// as_completed: visit a vector of futures in the order they complete.
//
//   for (weft::Future<int>& f : weft::as_completed(futures)) use(f.get());
//
// Each step parks the calling fiber in wait_any over the futures not yet visited (one
// wait ticket, no helper fiber) and yields the one that completed first; futures that
// were ready before the step are yielded in their completion order too. A step costs
// O(futures not yet yielded); for thousands of futures, visit them in windows.
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/future/wait_any.hpp"

namespace weft {

// A single-pass range over `futures` in completion order. It refers to the vector: keep
// the vector alive and do not add, remove or move its futures while iterating (calling
// get() on a future already yielded is fine). Use from one fiber.
template <class T>
class AsCompleted {
 public:
  // Throws UsageError if an element is not a valid future.
  explicit AsCompleted(std::vector<Future<T>>& futures) : futures_(&futures) {
    (void)detail::states_of(futures, "weft::as_completed");
    remaining_.reserve(futures.size());
    for (std::size_t i = 0; i < futures.size(); ++i) remaining_.push_back(i);
  }

  // Blocks until the next future is ready and returns its index in the vector; nullopt
  // once every future was yielded. Throws Cancelled if the fiber is cancelled while
  // waiting (nothing is lost: the next call continues), UsageError if it must block
  // outside a fiber.
  std::optional<std::size_t> next() { return next_until(std::nullopt); }

  // As next(), but returns nullopt also at `deadline`; check remaining() to tell apart.
  std::optional<std::size_t> next_until(std::optional<TimePoint> deadline) {
    if (remaining_.empty()) return std::nullopt;
    std::vector<detail::FutureStateBase*> states;
    states.reserve(remaining_.size());
    for (std::size_t i : remaining_) states.push_back(detail::FutureAccess::state((*futures_)[i]));
    std::optional<std::size_t> k =
        detail::FutureStateBase::wait_any(states, deadline, "weft::as_completed");
    if (!k) return std::nullopt;
    std::size_t index = remaining_[*k];
    remaining_.erase(remaining_.begin() + static_cast<std::ptrdiff_t>(*k));
    return index;
  }

  // How many futures have not been yielded yet.
  std::size_t remaining() const noexcept { return remaining_.size(); }

  // Input iterator: dereferences to the yielded future; index() is its position.
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    using reference = Future<T>&;

    iterator() = default;
    Future<T>& operator*() const { return (*owner_->futures_)[*index_]; }
    Future<T>* operator->() const { return &**this; }
    std::size_t index() const { return *index_; }
    // Blocks until the next future is ready (see next()).
    iterator& operator++() {
      index_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.index_;
    }

   private:
    friend class AsCompleted;
    iterator(AsCompleted* owner, std::optional<std::size_t> index) : owner_(owner), index_(index) {}
    AsCompleted* owner_ = nullptr;
    std::optional<std::size_t> index_;
  };

  // Blocks until the first future is ready.
  iterator begin() { return iterator(this, next()); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  std::vector<Future<T>>* futures_;
  std::vector<std::size_t> remaining_;
};

// The futures of `futures` in completion order (see AsCompleted).
template <class T>
AsCompleted<T> as_completed(std::vector<Future<T>>& futures) {
  return AsCompleted<T>(futures);
}

}  // namespace weft
