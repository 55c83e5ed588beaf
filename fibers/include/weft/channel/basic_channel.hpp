// BasicChannel<T, Buffer>: the MPMC channel that Channel<T> (FIFO) and
// PriorityChannel<T, Compare> are made of. Most code names those two; this header holds
// the shared contract of every channel operation.
//
// A channel has a capacity: 0 (rendezvous: a send completes only when a receiver takes
// the value), N (up to N values wait in the buffer), or kUnbounded (send never blocks).
// Values are moved, never copied (unless the caller passes a const lvalue to send).
// Every operation may be called from any fiber on any kernel thread; the non-blocking
// ones (try_send, try_recv, close, size, closed) also from plain threads.
//
// Close: receivers drain what is buffered, then see `closed`; every send after close and
// every sender still waiting returns `closed` with its value left in the caller's object.
//
// How it is built (the kernel's claim protocol, see weft/sched/wait_queue.hpp): one
// SpinLock guards the buffer and two WaitQueues (blocked senders, blocked receivers).
// A sender's Waiter points at a SendOffer (the caller's value); a receiver's Waiter
// points at its RecvResult. Whoever completes a blocked party's operation claims its
// wait, moves the value through the node, writes the status, and wakes it, all under
// the lock. Invariant: receivers only wait while the buffer is empty, and senders only
// while it is full (nodes of a select that fired elsewhere may linger until their
// owner removes them; a failed claim skips them).
#pragma once

#include <chrono>
#include <cstddef>
#include <iterator>
#include <mutex>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

#include "weft/channel/channel_status.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/errors.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/macros.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft {

namespace detail {
// A blocked sender's offer: the value to take, and the outcome its claimer reports.
template <class T>
struct SendOffer {
  T* value;
  ChannelStatus status;
};
}  // namespace detail

template <class T, class Buffer>
class BasicChannel {
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "weft channels need a nothrow move constructor: a value is moved while a "
                "claimed waiter depends on the hand-over to finish");

 public:
  using value_type = T;

  // A channel of `capacity` values (0: rendezvous; kUnbounded: no limit).
  explicit BasicChannel(std::size_t capacity, Buffer buffer = Buffer{})
      : buffer_(std::move(buffer)), capacity_(capacity) {}
  BasicChannel(const BasicChannel&) = delete;
  BasicChannel& operator=(const BasicChannel&) = delete;
  // Destroys buffered values. Precondition: no fiber waits on the channel (checked;
  // destroying a channel under a blocked fiber aborts with a message).
  ~BasicChannel() {
    // The party that woke the destroying fiber (maybe on another thread) may still be
    // inside the lock: handing over and waking happen under it.
    lock_.wait_until_free();
    if (!senders_.empty() || !receivers_.empty())
      sched::detail::destroyed_while_waited("a channel", this, {&senders_, &receivers_});
  }

  // ---- send ------------------------------------------------------------------------

  // Sends `value`, blocking the calling fiber while the channel is full (for capacity 0:
  // until a receiver takes it). Returns ok (value moved from) or closed (value left in
  // the caller's object). Throws Cancelled if the fiber is cancelled while blocked (the
  // value stays with the caller); UsageError when it has to block outside a fiber;
  // std::bad_alloc if the buffer cannot grow (value untouched). The same holds for
  // every send below.
  ChannelStatus send(T&& value) { return send_impl(value, std::nullopt, true); }
  // As above, with a copy of `value`.
  ChannelStatus send(const T& value) {
    T copy(value);
    return send(std::move(copy));
  }

  // Sends without blocking: ok (moved from), full (no space and no waiting receiver) or
  // closed; on full and closed `value` is left untouched. Callable from any thread.
  [[nodiscard]] ChannelStatus try_send(T&& value) { return send_impl(value, std::nullopt, false); }
  [[nodiscard]] ChannelStatus try_send(const T& value) {
    T copy(value);
    return try_send(std::move(copy));
  }

  // Like send, but gives up at `deadline` (on the runtime's clock; other clocks are
  // converted) or after `timeout`, with status timeout, leaving `value` untouched.
  // Throws Cancelled like send.
  [[nodiscard]] ChannelStatus send_until(T&& value, TimePoint deadline) {
    return send_impl(value, as_deadline(deadline), true);
  }
  template <class Clock, class Dur>
  [[nodiscard]] ChannelStatus send_until(T&& value,
                                         const std::chrono::time_point<Clock, Dur>& deadline) {
    return send_until(std::move(value), detail::to_deadline(deadline));
  }
  template <class Rep, class Period>
  [[nodiscard]] ChannelStatus send_for(T&& value, std::chrono::duration<Rep, Period> timeout) {
    return send_until(std::move(value), detail::deadline_after(timeout));
  }

  // ---- receive ---------------------------------------------------------------------

  // Receives the next value, blocking the calling fiber while the channel is empty.
  // Returns ok with the value, or closed once the channel is closed and drained.
  // Throws Cancelled if the fiber is cancelled while blocked; UsageError when it has to
  // block outside a fiber.
  [[nodiscard]] RecvResult<T> recv() {
    RecvResult<T> result;
    recv_impl(result, std::nullopt, true);
    return result;
  }

  // Receives without blocking: ok, empty (nothing yet) or closed (closed and drained).
  // Callable from any thread.
  [[nodiscard]] RecvResult<T> try_recv() {
    RecvResult<T> result;
    recv_impl(result, std::nullopt, false);
    return result;
  }

  // Like recv, but gives up at `deadline` (on the runtime's clock; other clocks are
  // converted) or after `timeout`, with status timeout.
  [[nodiscard]] RecvResult<T> recv_until(TimePoint deadline) {
    RecvResult<T> result;
    recv_impl(result, as_deadline(deadline), true);
    return result;
  }
  template <class Clock, class Dur>
  [[nodiscard]] RecvResult<T> recv_until(const std::chrono::time_point<Clock, Dur>& deadline) {
    return recv_until(detail::to_deadline(deadline));
  }
  template <class Rep, class Period>
  [[nodiscard]] RecvResult<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    return recv_until(detail::deadline_after(timeout));
  }

  // ---- close and queries -----------------------------------------------------------

  // Closes the channel: blocked receivers wake with closed (the buffer is empty while
  // any wait), blocked senders wake with closed and keep their values, buffered values
  // stay receivable. Returns true for the call that closed it, false if already closed.
  // Callable from any thread.
  bool close() {
    schedule_point(sched::Op::Close, this);
    sched::hb_release(this);
    std::lock_guard guard(lock_);
    if (closed_) return false;
    closed_ = true;
    while (sched::Waiter* w = receivers_.pop_front()) {
      if (!sched::try_claim(w->ticket, sched::WakeReason::Notified, w->tag)) continue;
      static_cast<RecvResult<T>*>(w->slot)->set_status(ChannelStatus::closed);
      sched::wake(w->ticket);
    }
    while (sched::Waiter* w = senders_.pop_front()) {
      if (!sched::try_claim(w->ticket, sched::WakeReason::Notified, w->tag)) continue;
      static_cast<detail::SendOffer<T>*>(w->slot)->status = ChannelStatus::closed;
      sched::wake(w->ticket);
    }
    return true;
  }

  // True once close() was called (buffered values may still be receivable).
  bool closed() const {
    std::lock_guard guard(lock_);
    return closed_;
  }
  // Values buffered now (a snapshot).
  std::size_t size() const {
    std::lock_guard guard(lock_);
    return buffer_.size();
  }
  // The capacity given at construction (kUnbounded for unbounded channels).
  std::size_t capacity() const noexcept { return capacity_; }

  // ---- range-for -------------------------------------------------------------------

  // Input iterator for `for (T v : ch)`: each step is a blocking recv(); the loop ends
  // when the channel is closed and drained. `*it` hands out the value as T&& (it is
  // received once; bind it by value or auto&&). Cancellation throws from the loop.
  class Iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using reference = T&&;
    using iterator_concept = std::input_iterator_tag;

    Iterator() = default;
    T&& operator*() const noexcept { return std::move(*current_); }
    Iterator& operator++() {
      current_ = channel_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& it, std::default_sentinel_t) noexcept {
      return !it.current_.ok();
    }

   private:
    friend class BasicChannel;
    explicit Iterator(BasicChannel& channel) : channel_(&channel), current_(channel.recv()) {}
    BasicChannel* channel_ = nullptr;
    mutable RecvResult<T> current_{ChannelStatus::closed};
  };

  // Receives the first value (blocking); see Iterator.
  Iterator begin() { return Iterator(*this); }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend struct detail::ChannelAccess;

  // Relocks and unlinks a waiter node when its wait ends, also when unwinding, unless a
  // channel party ended it (`taken`). Such a party unlinked the node, moved the payload
  // and wrote the status before wake() published the claim (release), and the waiter
  // saw the claim (acquire): nothing is left to order or unlink. A timer or a canceller
  // leaves the node queued, and a channel party that then fails to claim it only pops it.
  struct Unlink {
    sched::detail::SpinLock& lock;
    sched::WaitQueue& queue;
    sched::Waiter& waiter;
    bool taken = false;
    ~Unlink() {
      if (taken) return;
      lock.lock();
      queue.remove(waiter);
      lock.unlock();
    }
  };

  // TimePoint::max() (a timeout too large to represent) means no deadline.
  static std::optional<TimePoint> as_deadline(TimePoint deadline) noexcept {
    if (deadline == TimePoint::max()) return std::nullopt;
    return deadline;
  }

  // ---- operations with the lock held (also used by select cases) --------------------

  // Completes a send if it can: ok (value moved to a waiting receiver or the buffer),
  // closed, or full (value untouched).
  ChannelStatus send_locked(T& value) {
    if (closed_) return ChannelStatus::closed;
    while (sched::Waiter* w = receivers_.pop_front()) {
      if (!sched::try_claim(w->ticket, sched::WakeReason::Notified, w->tag)) continue;  // stale
      static_cast<RecvResult<T>*>(w->slot)->fulfil(std::move(value));
      sched::wake(w->ticket);
      return ChannelStatus::ok;
    }
    if (buffer_.size() < capacity_) {
      buffer_.push(std::move(value));  // may throw bad_alloc before moving
      return ChannelStatus::ok;
    }
    return ChannelStatus::full;
  }

  // Completes a receive into `out` if it can: ok, closed (closed and drained), or empty.
  ChannelStatus recv_locked(RecvResult<T>& out) noexcept {
    if (buffer_.size() > 0) {
      out.fulfil(std::move(buffer_.front()));
      buffer_.pop();
      // A slot opened: the first waiting sender's value moves into the buffer. This
      // cannot allocate: the buffer held one more value a moment ago.
      while (sched::Waiter* w = senders_.pop_front()) {
        if (!sched::try_claim(w->ticket, sched::WakeReason::Notified, w->tag)) continue;
        auto* offer = static_cast<detail::SendOffer<T>*>(w->slot);
        buffer_.push(std::move(*offer->value));
        offer->status = ChannelStatus::ok;
        sched::wake(w->ticket);
        break;
      }
      return ChannelStatus::ok;
    }
    while (sched::Waiter* w = senders_.pop_front()) {  // rendezvous: take it directly
      if (!sched::try_claim(w->ticket, sched::WakeReason::Notified, w->tag)) continue;
      auto* offer = static_cast<detail::SendOffer<T>*>(w->slot);
      out.fulfil(std::move(*offer->value));
      offer->status = ChannelStatus::ok;
      sched::wake(w->ticket);
      return ChannelStatus::ok;
    }
    if (closed_) {
      out.set_status(ChannelStatus::closed);
      return ChannelStatus::closed;
    }
    return ChannelStatus::empty;
  }

  // ---- the operations ---------------------------------------------------------------
  //
  // hooks_once: the fast paths look up the checker's hooks (weft/sched/instrumentation.hpp)
  // once per operation instead of at each hook; a lookup per hook cost ~4% of a ping-pong
  // round trip. The hooks belong to the kernel thread, and nothing between the lookup and
  // the unlock switches fibers except the checker's own schedule point, whose run stays
  // on one thread. After a blocking wait the paths below look them up again.

  // The deadline is passed by reference: by value, GCC 12 stores the optional's flag as a
  // byte and reloads it as a word, a store-forwarding stall on every send and recv.
  ChannelStatus send_impl(T& value, const std::optional<TimePoint>& deadline, bool block) {
    sched::Instrumentation* const hooks = sched::detail::instrumentation();  // see hooks_once
    if (WEFT_UNLIKELY(hooks != nullptr)) {
      hooks->schedule_point(sched::Op::Send, this, std::source_location::current());
      hooks->hb_release(this);
    }
    lock_.lock();
    ChannelStatus status;
    try {
      status = send_locked(value);
    } catch (...) {  // the buffer could not grow
      lock_.unlock();
      throw;
    }
    if (WEFT_LIKELY(status != ChannelStatus::full)) {
      lock_.unlock();
      if (WEFT_UNLIKELY(hooks != nullptr) && status == ChannelStatus::ok && capacity_ == 0)
        hooks->hb_acquire(this);
      return status;
    }
    if (!block) {
      lock_.unlock();
      return ChannelStatus::full;
    }
    return send_blocking(value, deadline);
  }

  // The slow path of send, kept out of line so the fast path stays small. Called with
  // the lock held; releases it. begin_wait throws outside a fiber.
  WEFT_NOINLINE ChannelStatus send_blocking(T& value, const std::optional<TimePoint>& deadline) {
    sched::detail::AdoptedSpinGuard guard(lock_);
    if (deadline && *deadline <= sched::now()) return ChannelStatus::timeout;

    // Read now: once a receiver took the value it may destroy the channel at any time.
    const bool rendezvous = capacity_ == 0;
    sched::WaitTicket ticket =
        sched::begin_wait(sched::WaitRecord{sched::WaitKind::Channel, this, "channel send"});
    // A small value is offered from the fiber's hand-off slot, beside its wait word (a
    // copy: the caller's object is left as it is, which is what a move of it leaves).
    detail::SendOffer<T> on_stack{&value, ChannelStatus::timeout};
    detail::SendOffer<T>* offer = &on_stack;
    if constexpr (kOfferInHandoff) {
      auto* in_slot = new (ticket.fiber->handoff_slot()) OfferInHandoff{on_stack, value};
      in_slot->offer.value = &in_slot->copy;
      offer = &in_slot->offer;
    }
    sched::Waiter waiter(ticket, offer);
    senders_.push_back(waiter);
    guard.unlock();
    sched::WaitOutcome outcome;
    {
      Unlink unlink{lock_, senders_, waiter};
      outcome = sched::await(ticket, deadline);
      unlink.taken = outcome.reason == sched::WakeReason::Notified;
    }
    const ChannelStatus status = offer->status;
    if (status != ChannelStatus::timeout) {  // a receiver or close() ended the wait
      if (status == ChannelStatus::ok && rendezvous) sched::hb_acquire(this);
      return status;
    }
    return timeout_or_throw(outcome.reason);
  }

  struct OfferInHandoff {
    detail::SendOffer<T> offer;
    T copy;
  };
  static constexpr bool kOfferInHandoff = sched::Fiber::fits_handoff<OfferInHandoff>;

  void recv_impl(RecvResult<T>& out, const std::optional<TimePoint>& deadline, bool block) {
    sched::Instrumentation* const hooks = sched::detail::instrumentation();  // see hooks_once
    if (WEFT_UNLIKELY(hooks != nullptr)) {
      hooks->schedule_point(sched::Op::Recv, this, std::source_location::current());
      // A rendezvous recv happens before the send it completes.
      if (capacity_ == 0) hooks->hb_release(this);
    }
    lock_.lock();
    ChannelStatus status = recv_locked(out);  // noexcept
    if (WEFT_LIKELY(status != ChannelStatus::empty)) {
      lock_.unlock();
      if (WEFT_UNLIKELY(hooks != nullptr)) hooks->hb_acquire(this);
      return;
    }
    if (!block) {  // status empty
      lock_.unlock();
      return;
    }
    recv_blocking(out, deadline);
  }

  // The slow path of recv, kept out of line so the fast path stays small. Called with
  // the lock held; releases it. begin_wait throws outside a fiber.
  WEFT_NOINLINE void recv_blocking(RecvResult<T>& out, const std::optional<TimePoint>& deadline) {
    sched::detail::AdoptedSpinGuard guard(lock_);
    if (deadline && *deadline <= sched::now()) {
      out.set_status(ChannelStatus::timeout);
      return;
    }

    sched::WaitTicket ticket =
        sched::begin_wait(sched::WaitRecord{sched::WaitKind::Channel, this, "channel recv"});
    // A small result is received in the fiber's hand-off slot, beside its wait word.
    RecvResult<T>* slot = &out;
    if constexpr (kReceiveInHandoff) slot = new (ticket.fiber->handoff_slot()) RecvResult<T>;
    slot->set_status(ChannelStatus::timeout);
    sched::Waiter waiter(ticket, slot);
    receivers_.push_back(waiter);
    guard.unlock();
    sched::WaitOutcome outcome;
    {
      Unlink unlink{lock_, receivers_, waiter};
      outcome = sched::await(ticket, deadline);
      unlink.taken = outcome.reason == sched::WakeReason::Notified;
    }
    if constexpr (kReceiveInHandoff) out = *slot;
    if (out.status() != ChannelStatus::timeout) {  // a sender or close() ended the wait
      sched::hb_acquire(this);
      return;
    }
    (void)timeout_or_throw(outcome.reason);
  }

  static constexpr bool kReceiveInHandoff = sched::Fiber::fits_handoff<RecvResult<T>>;

  // Who ended a wait is read from the waiter's slot, which the claimer writes under the
  // lock (seen once the waiter has relocked): claimers from the channel never write
  // `timeout` there. Only when the slot is untouched does the wake reason decide: a
  // deadline (timeout) or a cancellation. Any other reason can only be a canceller whose
  // reason was not yet visible, so it counts as a cancellation too.
  static ChannelStatus timeout_or_throw(sched::WakeReason reason) {
    if (reason == sched::WakeReason::Timeout) return ChannelStatus::timeout;
    throw Cancelled();
  }

  mutable sched::detail::SpinLock lock_;
  Buffer buffer_;
  const std::size_t capacity_;
  bool closed_ = false;
  sched::WaitQueue senders_;    // blocked senders; slot: SendOffer<T>*
  sched::WaitQueue receivers_;  // blocked receivers; slot: RecvResult<T>*
};

namespace detail {

// What select cases need from a channel: its lock, queues and locked operations.
struct ChannelAccess {
  template <class T, class B>
  static sched::detail::SpinLock& lock(BasicChannel<T, B>& ch) noexcept {
    return ch.lock_;
  }
  template <class T>
  static void clear(RecvResult<T>& result) noexcept {
    result.clear();
  }
  template <class T, class B>
  static sched::WaitQueue& senders(BasicChannel<T, B>& ch) noexcept {
    return ch.senders_;
  }
  template <class T, class B>
  static sched::WaitQueue& receivers(BasicChannel<T, B>& ch) noexcept {
    return ch.receivers_;
  }
  template <class T, class B>
  static ChannelStatus send_locked(BasicChannel<T, B>& ch, T& value) {
    return ch.send_locked(value);
  }
  template <class T, class B>
  static ChannelStatus recv_locked(BasicChannel<T, B>& ch, RecvResult<T>& out) noexcept {
    return ch.recv_locked(out);
  }
  template <class T>
  static void fulfil(RecvResult<T>& out, T&& value) noexcept {
    out.fulfil(std::move(value));
  }
  template <class T>
  static void set_status(RecvResult<T>& out, ChannelStatus status) noexcept {
    out.set_status(status);
  }
};

}  // namespace detail

}  // namespace weft
