// Payload types for channel tests that count how they were moved and copied.
#pragma once

#include <atomic>

namespace weft_test {

// Copyable, but counts copies: channels must never copy a value sent as an rvalue.
struct Counted {
  static inline std::atomic<int> copies{0};
  static inline std::atomic<int> moves{0};
  static void reset() {
    copies = 0;
    moves = 0;
  }

  int value = 0;
  explicit Counted(int v = 0) noexcept : value(v) {}
  Counted(const Counted& other) noexcept : value(other.value) { ++copies; }
  Counted(Counted&& other) noexcept : value(other.value) {
    other.value = -1;
    ++moves;
  }
  Counted& operator=(const Counted& other) noexcept {
    value = other.value;
    ++copies;
    return *this;
  }
  Counted& operator=(Counted&& other) noexcept {
    value = other.value;
    other.value = -1;
    ++moves;
    return *this;
  }
};

// Move-only: a copy would not compile. A moved-from object reads -1.
struct MoveOnly {
  int value = 0;
  explicit MoveOnly(int v = 0) noexcept : value(v) {}
  MoveOnly(const MoveOnly&) = delete;
  MoveOnly& operator=(const MoveOnly&) = delete;
  MoveOnly(MoveOnly&& other) noexcept : value(other.value) { other.value = -1; }
  MoveOnly& operator=(MoveOnly&& other) noexcept {
    value = other.value;
    other.value = -1;
    return *this;
  }
};

}  // namespace weft_test
