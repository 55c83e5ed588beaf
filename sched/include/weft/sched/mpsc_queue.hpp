// MpscQueue: an intrusive, unbounded, lock-free queue of many producers and one consumer
// (actor mailboxes are made of it).
//
// A producer links its node with one atomic exchange and one store; the consumer pops
// without any read-modify-write in the common case. Values leave in the order in which
// the producers' exchanges took effect, so each producer's own nodes stay in the order it
// pushed them. The queue never allocates: a node lives wherever its owner put it and must
// stay alive until it was popped.
//
// One subtlety: between a producer's exchange and its store the queue is "busy": the
// node is in but not yet reachable, and pop() reports nothing. Callers that sleep when
// the queue looks empty must therefore have producers look for a sleeping consumer after
// push() returned (the node is reachable by then), never before.
#pragma once

#include <atomic>

namespace weft::sched {

// Derive queued types from this (or embed it first and cast back).
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
    // seq_cst: a consumer about to sleep announces it and then looks at the queue; the
    // producer pushes and then looks for the announcement. Both sides' seq_cst order
    // guarantees that one of them sees the other.
    MpscNode* prev = tail_.exchange(&node, std::memory_order_seq_cst);
    prev->next.store(&node, std::memory_order_seq_cst);
  }

  // The consumer only. The oldest reachable node, or null (empty, or busy: see above).
  MpscNode* pop() noexcept {
    MpscNode* head = head_;
    MpscNode* next = head->next.load(std::memory_order_acquire);
    if (head == &stub_) {  // the stub is never handed out: step over it
      if (next == nullptr) return nullptr;
      head_ = next;
      head = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      head_ = next;
      return head;
    }
    // `head` is the last reachable node. Handing it out needs a successor to stand in
    // as head: put the stub back behind it, unless a producer is already mid-push.
    if (head != tail_.load(std::memory_order_acquire)) return nullptr;  // busy
    push(stub_);
    next = head->next.load(std::memory_order_acquire);
    if (next == nullptr) return nullptr;  // a producer got in between: busy
    head_ = next;
    return head;
  }

  // The consumer only: whether a node may be there (reachable or being linked).
  bool maybe_nonempty() const noexcept {
    const MpscNode* head = head_;
    if (head->next.load(std::memory_order_seq_cst) != nullptr) return true;
    return head != &stub_ || tail_.load(std::memory_order_seq_cst) != &stub_;
  }

 private:
  alignas(64) MpscNode* head_;              // the consumer's
  MpscNode stub_;
  alignas(64) std::atomic<MpscNode*> tail_;  // the producers'
};

}  // namespace weft::sched
