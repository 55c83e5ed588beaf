// A doubly linked list threaded through its nodes' own `prev`, `next` and `linked`
// fields, so linking and unlinking never allocate: wait queues and stop-callback lists
// keep nodes that live on the blocked fiber's stack. Not synchronised.
#pragma once

#include <cstddef>

namespace weft::sched::detail {

template <class Node>
class IntrusiveList {
 public:
  IntrusiveList() = default;
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  Node* front() const noexcept { return head_; }

  void push_back(Node& node) noexcept {
    node.prev = tail_;
    node.next = nullptr;
    node.linked = true;
    if (tail_)
      tail_->next = &node;
    else
      head_ = &node;
    tail_ = &node;
    ++size_;
  }
  // Unlinks `node` if it is linked; returns whether it was.
  bool remove(Node& node) noexcept {
    if (!node.linked) return false;
    if (node.prev)
      node.prev->next = node.next;
    else
      head_ = node.next;
    if (node.next)
      node.next->prev = node.prev;
    else
      tail_ = node.prev;
    node.prev = node.next = nullptr;
    node.linked = false;
    --size_;
    return true;
  }
  Node* pop_front() noexcept {
    Node* node = head_;
    if (node) remove(*node);
    return node;
  }

 private:
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace weft::sched::detail
