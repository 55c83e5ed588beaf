// MpscQueue: an intrusive, unbounded, lock-free queue of many producers and one consumer
// (actor mailboxes are made of it).
//
// A producer links its node with one atomic exchange and one store; the consumer pops
// with plain loads and stores. Nodes leave in the order in which the producers'
// exchanges took effect, so each producer's own nodes stay in the order it pushed them.
// The queue never allocates.
//
// The queue always keeps one node, its front: at first a stub of its own, later the node
// popped last. pop() hands out the next node -- take its payload -- and that node stays
// in the queue as the new front, while the previous front is retired to the caller to
// free. So a node popped from an empty-again queue is not pushed back or swapped out:
// an empty queue costs the consumer no atomic read-modify-write. front_node() tells the
// owner which node to free when it destroys the queue.
//
// One subtlety: between a producer's exchange and its store the queue is "busy": the
// node is in but not yet reachable, and pop() reports nothing. A consumer that sleeps
// when the queue looks empty must ask maybe_nonempty() after announcing its sleep, and
// producers must look for a sleeping consumer after push() returned.
#pragma once

#include <atomic>

namespace weft::sched {

// Derive queued types from this.
struct MpscNode {
  std::atomic<MpscNode*> next{nullptr};
};

class MpscQueue {
 public:
  MpscQueue() noexcept : head_(&stub_), tail_(&stub_) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // Any thread. `node` must not be in any queue.
  void push(MpscNode& node) noexcept {
    node.next.store(nullptr, std::memory_order_relaxed);
    // seq_cst: a consumer about to sleep announces it and then looks at the tail (see
    // maybe_nonempty); the producer exchanges the tail and then looks for the
    // announcement. The single order of seq_cst operations makes one of them see the
    // other. The link itself only publishes the node: release.
    MpscNode* prev = tail_.exchange(&node, std::memory_order_seq_cst);
    prev->next.store(&node, std::memory_order_release);
  }

  // The consumer only. The next node (now the front; its payload is the caller's), or
  // null when nothing is reachable (empty, or busy). `retired` gets the previous front,
  // to free, or null when that was the queue's stub.
  MpscNode* pop(MpscNode*& retired) noexcept {
    MpscNode* front = head_;
    MpscNode* next = front->next.load(std::memory_order_acquire);
    if (next == nullptr) return nullptr;
    head_ = next;
    retired = front == &stub_ ? nullptr : front;
    return next;
  }

  // The consumer only: whether a node may be there (reachable or being linked).
  bool maybe_nonempty() const noexcept {
    const MpscNode* front = head_;
    return front->next.load(std::memory_order_seq_cst) != nullptr ||
           tail_.load(std::memory_order_seq_cst) != front;
  }

  // The consumer only: the front node, which the queue still holds (null: the stub).
  MpscNode* front_node() const noexcept { return head_ == &stub_ ? nullptr : head_; }

 private:
  // The consumer's and the producers' fields a cache line apart, by padding rather than
  // alignas: an over-aligned type would make every mailbox an aligned allocation, which
  // glibc serves on a slow path (measured: 3% of creating an actor).
  MpscNode* head_;                 // the consumer's: the front
  MpscNode stub_;
  char pad_[64 - sizeof(MpscNode*) - sizeof(MpscNode)];
  std::atomic<MpscNode*> tail_;    // the producers'
};

}  // namespace weft::sched
