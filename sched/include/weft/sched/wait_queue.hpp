// Claimed waits and wait queues: the building blocks of every blocking primitive.
//
// A fiber that blocks calls begin_wait() to open a wait (a WaitTicket), publishes one or
// more Waiter nodes (on its own stack) in the queues of the objects it waits on, and
// parks in await(). Anyone who wants to end the wait -- a notifier, the timer of a
// deadline, a canceller -- must first win try_claim() on the ticket; exactly one wins per
// wait, so a waiter is never woken twice and a timeout never races a hand-off.
//
// Protocol for primitive authors (the primitive's own lock guards its WaitQueues):
//   waker:  under the lock, pop a Waiter; if try_claim() wins, hand over the payload,
//           then wake() -- still under the lock. If it loses, drop the node, pop again.
//   waiter: under the lock, push its Waiter; unlock; await(); relock; if the node is
//           still linked (woken by timeout or cancel), unlink it.
// Holding the lock while waking is what keeps the waiter's stack node alive until the
// waker is done with it.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "weft/sched/detail/intrusive_list.hpp"
#include "weft/sched/wait_record.hpp"

namespace weft::sched {

class Fiber;

// One wait of one fiber. Copyable; valid while that wait is open.
struct WaitTicket {
  Fiber* fiber = nullptr;
  std::uint64_t epoch = 0;
};

// A fiber's entry in a WaitQueue. Lives on the waiting fiber's stack.
struct Waiter {
  explicit Waiter(WaitTicket t, void* slot_ = nullptr, std::uintptr_t tag_ = 0) noexcept
      : ticket(t), slot(slot_), tag(tag_) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

  WaitTicket ticket;
  void* slot;            // primitive-specific payload (a value to send, a place to receive)
  std::uintptr_t tag;    // primitive-specific (e.g. the select case index)
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool linked = false;
};

// Intrusive FIFO of waiters. Not synchronised: the owning primitive's lock guards it.
class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  bool empty() const noexcept { return waiters_.empty(); }
  std::size_t size() const noexcept { return waiters_.size(); }
  Waiter* front() const noexcept { return waiters_.front(); }

  void push_back(Waiter& w) noexcept { waiters_.push_back(w); }
  // Unlinks w if it is linked; returns whether it was.
  bool remove(Waiter& w) noexcept { return waiters_.remove(w); }
  // Unlinks and returns the first waiter, or null.
  Waiter* pop_front() noexcept { return waiters_.pop_front(); }
  // Unlinks and returns the n-th waiter (0-based), or null.
  Waiter* pop_at(std::size_t index) noexcept;

  // Wakes the first waiter whose wait it can claim (reason Notified); under the checker
  // the woken waiter is a recorded choice. Returns the woken waiter's node (unlinked),
  // or null when no waiter could be claimed. Call with the owning lock held.
  Waiter* notify_one(std::uintptr_t detail = 0) noexcept;
  // Wakes every waiter; returns how many were woken.
  std::size_t notify_all(std::uintptr_t detail = 0) noexcept;

 private:
  detail::IntrusiveList<Waiter> waiters_;
};

namespace detail {
// For a primitive destroyed while fibers still wait on it: the bug of the program using
// weft, not of weft. Prints what was destroyed (`what`, e.g. "a channel", at `object`) and
// every fiber waiting in `queues`, then aborts: the waiters' nodes point into the object.
// Except while a checker tears down a failing run (a failed assertion or an exception is
// unwinding the frame that owns the primitive): the checker then lets every waiter unwind
// out of its wait first, while the object still exists, and this returns with `queues`
// empty. Call it from the destructor, without holding the primitive's lock.
void destroyed_while_waited(const char* what, const void* object,
                            std::initializer_list<const WaitQueue*> queues) noexcept;
// For a lock destroyed while `holder`, another fiber that has not finished, holds it (it
// may have been handed the lock and not run since, and would touch it on its way out;
// null: fibers that hold it shared, unnamed): while a checker tears down a failing run,
// they unwind first. Otherwise nothing happens: what a holder does with a destroyed lock
// is the program's business.
void destroyed_while_held(const char* what, const void* object, Fiber* holder) noexcept;
}  // namespace detail

}  // namespace weft::sched
