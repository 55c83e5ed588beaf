// The FIFO buffer behind Channel<T>: a power-of-two ring that grows on demand (up to the
// channel's capacity, or without bound). Not synchronised: the channel's lock guards it.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace weft::detail {

template <class T>
class RingBuffer {
 public:
  RingBuffer() noexcept = default;
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  RingBuffer(RingBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        cap_(std::exchange(other.cap_, 0)),
        head_(std::exchange(other.head_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  RingBuffer& operator=(RingBuffer&&) = delete;
  ~RingBuffer() {
    while (size_ > 0) pop();
    if (data_) std::allocator<T>().deallocate(data_, cap_);
  }

  std::size_t size() const noexcept { return size_; }

  // Appends `value` (moved from). May allocate; if that throws, `value` and the buffer
  // are unchanged. Never allocates when an element was popped since the last growth
  // and the size is back below that high-water mark.
  void push(T&& value) {
    if (size_ == cap_) grow();
    std::construct_at(data_ + ((head_ + size_) & (cap_ - 1)), std::move(value));
    ++size_;
  }
  // The oldest element. Precondition: size() > 0.
  T& front() noexcept { return data_[head_]; }
  // Destroys the oldest element. Precondition: size() > 0.
  void pop() noexcept {
    std::destroy_at(data_ + head_);
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
  }

 private:
  void grow() {
    const std::size_t cap = cap_ ? cap_ * 2 : 8;
    T* fresh = std::allocator<T>().allocate(cap);
    for (std::size_t i = 0; i < size_; ++i) {
      T& old = data_[(head_ + i) & (cap_ - 1)];
      std::construct_at(fresh + i, std::move(old));
      std::destroy_at(&old);
    }
    if (data_) std::allocator<T>().deallocate(data_, cap_);
    data_ = fresh;
    cap_ = cap;
    head_ = 0;
  }

  T* data_ = nullptr;
  std::size_t cap_ = 0;   // 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace weft::detail
