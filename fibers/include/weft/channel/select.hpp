// weft::select: waits on several channel operations at once and performs exactly one,
// like Go's select statement.
//
//   auto fired = weft::select(
//       weft::on_recv(jobs, [](Job j) { run(std::move(j)); }),
//       weft::on_send(results, std::move(r)),
//       weft::after(100ms, [] { log("idle"); }));
//   if (fired.index == 1) ...;   // or inspect fired.status
//
// Cases:
//   on_recv(ch[, fn])          receive; fires with ok (a value) or closed (closed, drained)
//   on_send(ch, value[, fn])   send; fires with ok (value moved) or closed (value kept)
//   after(duration[, fn])      fires with timeout when the duration has passed
//   until(deadline[, fn])      fires with timeout at the deadline
//   otherwise([fn])            fires with empty when no other case is ready: select
//                              then never blocks (Go's `default`)
//
// Fairness: when several channel cases are ready, select polls them starting from a
// random one (a per-thread PRNG; under the interleaving checker the start is a recorded
// choice), so no ready case starves. Among deadline cases the earliest fires.
//
// Cancellation: a select blocked on its cases throws weft::Cancelled when its fiber is
// cancelled; no case fired, so no value was sent or received.
//
// Cases are a small interface (SelectCase) so further sources -- fd readiness, futures --
// can join later: a source guarded by a lock, with a queue of kernel Waiters.
#pragma once

#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "weft/channel/basic_channel.hpp"
#include "weft/channel/channel_status.hpp"
#include "weft/detail/deadline.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"

namespace weft {

// Which case a select performed and how it ended.
struct Selected {
  std::size_t index;     // position of the fired case among select's arguments
  ChannelStatus status;  // ok; closed (a channel case found its channel closed);
                         // timeout (after/until); empty (otherwise)
};

// One case of select. Implementations hold their state (the value to send, the result
// received, their Waiter node) and must stay in place while select runs; they are
// neither copyable nor movable.
//
// Protocol for Wait cases (channels today, fd readiness later): select calls prepare()
// for each, then takes every case's lock() (in address order, each lock once), polls
// try_fire() from a random start, and if none fired opens one wait and calls
// enqueue(ticket, index) on each; a waker claims the ticket with `index` as the claim
// detail (the kernel's claim protocol, see weft/sched/wait_queue.hpp). After the wait,
// select relocks, calls dequeue() on each and asks completed() which one a waker
// completed (at most one: they share the ticket). Finally complete() runs, with no lock
// held, on the one case that fired.
class SelectCase {
 public:
  enum class Kind : std::uint8_t {
    Wait,      // a source with a lock and a wait queue
    Deadline,  // fires when its deadline passes
    Default,   // fires when nothing else is ready
  };

  SelectCase(const SelectCase&) = delete;
  SelectCase& operator=(const SelectCase&) = delete;

  Kind kind() const noexcept { return kind_; }

  // Wait cases. The object named in traces and wait records (e.g. the channel).
  virtual const void* object() const noexcept { return nullptr; }
  // Wait cases, before any lock is taken: reset per-call state, report happens-before.
  virtual void prepare() {}
  // Wait cases: the lock guarding the source, held while polling and publishing.
  virtual sched::detail::SpinLock* lock() noexcept { return nullptr; }
  // Wait cases, lock held: performs the operation if it can complete now; true if so.
  virtual bool try_fire() { return false; }
  // Wait cases, lock held: publishes a Waiter for `ticket` tagged with `index`.
  virtual void enqueue(sched::WaitTicket ticket, std::uintptr_t index) noexcept {
    (void)ticket;
    (void)index;
  }
  // Wait cases, lock held: unlinks the Waiter if it is still linked.
  virtual void dequeue() noexcept {}
  // Wait cases, lock held, after dequeue(): true if a waker completed this case through
  // its Waiter (the claimer records that in the case's slot, under the lock).
  virtual bool completed() const noexcept { return false; }

  // Deadline cases: when the case fires, for a select that started at `now`.
  virtual TimePoint deadline(TimePoint now) const { return now; }

  // Every case, once it fired, with no lock held: runs the handler, returns the status.
  virtual ChannelStatus complete() = 0;

 protected:
  explicit SelectCase(Kind kind) noexcept : kind_(kind) {}
  ~SelectCase() = default;

 private:
  Kind kind_;
};

namespace detail {

// The handler of a case given without one.
struct NoHandler {};

// Runs a select over `cases`; `lock_scratch` has room for one lock per case.
Selected select_cases(std::span<SelectCase* const> cases,
                      std::span<sched::detail::SpinLock*> lock_scratch);

template <class F>
void call_handler(F& fn) {
  if constexpr (!std::is_same_v<F, NoHandler>) fn();
}

}  // namespace detail

// ---- channel cases ------------------------------------------------------------------

// Receives from a channel. The handler is called with RecvResult<T> for every outcome,
// or, if it takes a T, only when a value arrived (on closed it is not called; check
// Selected::status). result() holds the outcome when the handler did not take it.
template <class T, class Buffer, class F = detail::NoHandler>
class RecvCase final : public SelectCase {
 public:
  RecvCase(BasicChannel<T, Buffer>& channel, F fn)
      : SelectCase(Kind::Wait), channel_(channel), fn_(std::move(fn)) {}

  RecvResult<T>& result() noexcept { return result_; }

  const void* object() const noexcept override { return &channel_; }
  void prepare() override {
    Access::clear(result_);
    if (channel_.capacity() == 0) sched::hb_release(&channel_);
  }
  sched::detail::SpinLock* lock() noexcept override { return &Access::lock(channel_); }
  bool try_fire() override { return Access::recv_locked(channel_, result_) != ChannelStatus::empty; }
  void enqueue(sched::WaitTicket ticket, std::uintptr_t index) noexcept override {
    waiter_.emplace(ticket, &result_, index);
    Access::receivers(channel_).push_back(*waiter_);
  }
  void dequeue() noexcept override {
    if (waiter_) Access::receivers(channel_).remove(*waiter_);
  }
  bool completed() const noexcept override { return result_.status() != ChannelStatus::empty; }
  ChannelStatus complete() override {
    const ChannelStatus status = result_.status();
    sched::hb_acquire(&channel_);
    if constexpr (std::is_same_v<F, detail::NoHandler>) {
    } else if constexpr (std::is_invocable_v<F&, RecvResult<T>&&>) {
      fn_(std::move(result_));
    } else if constexpr (std::is_invocable_v<F&, RecvResult<T>&>) {
      fn_(result_);
    } else {
      static_assert(std::is_invocable_v<F&, T&&>,
                    "on_recv handler must take RecvResult<T> or T");
      if (status == ChannelStatus::ok) fn_(std::move(*result_));
    }
    return status;
  }

 private:
  using Access = detail::ChannelAccess;
  BasicChannel<T, Buffer>& channel_;
  F fn_;
  RecvResult<T> result_;
  std::optional<sched::Waiter> waiter_;
};

// Sends to a channel. The value is the caller's object (an lvalue: moved from only if
// this case fires with ok) or owned by the case (an rvalue: dropped if another case
// fires). The handler takes ChannelStatus (called for ok and closed) or nothing
// (called only for ok).
template <class T, class Buffer, class F = detail::NoHandler>
class SendCase final : public SelectCase {
 public:
  // Refers to the caller's `value`.
  SendCase(BasicChannel<T, Buffer>& channel, T& value, F fn)
      : SelectCase(Kind::Wait), channel_(channel), fn_(std::move(fn)), value_(&value) {}
  // Owns a value made from `args`.
  template <class... Args>
  SendCase(std::in_place_t, BasicChannel<T, Buffer>& channel, F fn, Args&&... args)
      : SelectCase(Kind::Wait),
        channel_(channel),
        fn_(std::move(fn)),
        owned_(std::in_place, std::forward<Args>(args)...),
        value_(&*owned_) {}

  // ok, closed, or (before it fired) full.
  ChannelStatus status() const noexcept { return offer_.status; }

  const void* object() const noexcept override { return &channel_; }
  void prepare() override {
    offer_ = detail::SendOffer<T>{value_, ChannelStatus::full};
    rendezvous_ = channel_.capacity() == 0;  // complete() must not touch the channel
    sched::hb_release(&channel_);
  }
  sched::detail::SpinLock* lock() noexcept override { return &Access::lock(channel_); }
  bool try_fire() override {
    offer_.status = Access::send_locked(channel_, *value_);
    return offer_.status != ChannelStatus::full;
  }
  void enqueue(sched::WaitTicket ticket, std::uintptr_t index) noexcept override {
    waiter_.emplace(ticket, &offer_, index);
    Access::senders(channel_).push_back(*waiter_);
  }
  void dequeue() noexcept override {
    if (waiter_) Access::senders(channel_).remove(*waiter_);
  }
  bool completed() const noexcept override { return offer_.status != ChannelStatus::full; }
  ChannelStatus complete() override {
    const ChannelStatus status = offer_.status;
    if (status == ChannelStatus::ok && rendezvous_) sched::hb_acquire(&channel_);
    if constexpr (std::is_same_v<F, detail::NoHandler>) {
    } else if constexpr (std::is_invocable_v<F&, ChannelStatus>) {
      fn_(status);
    } else {
      static_assert(std::is_invocable_v<F&>, "on_send handler must take ChannelStatus or nothing");
      if (status == ChannelStatus::ok) fn_();
    }
    return status;
  }

 private:
  using Access = detail::ChannelAccess;
  BasicChannel<T, Buffer>& channel_;
  F fn_;
  std::optional<T> owned_;
  T* value_;
  bool rendezvous_ = false;
  detail::SendOffer<T> offer_{nullptr, ChannelStatus::full};
  std::optional<sched::Waiter> waiter_;
};

// ---- deadline and default cases -----------------------------------------------------

// Fires with status timeout at a deadline: a fixed time point, or select's start plus a
// duration.
template <class F = detail::NoHandler>
class DeadlineCase final : public SelectCase {
 public:
  DeadlineCase(std::optional<TimePoint> at, Duration after, F fn)
      : SelectCase(Kind::Deadline), at_(at), after_(after), fn_(std::move(fn)) {}
  TimePoint deadline(TimePoint now) const override {
    if (at_) return *at_;
    return after_ >= TimePoint::max() - now ? TimePoint::max() : now + after_;  // saturate
  }
  ChannelStatus complete() override {
    detail::call_handler(fn_);
    return ChannelStatus::timeout;
  }

 private:
  std::optional<TimePoint> at_;
  Duration after_;
  F fn_;
};

// Fires with status empty when no other case is ready.
template <class F = detail::NoHandler>
class DefaultCase final : public SelectCase {
 public:
  explicit DefaultCase(F fn) : SelectCase(Kind::Default), fn_(std::move(fn)) {}
  ChannelStatus complete() override {
    detail::call_handler(fn_);
    return ChannelStatus::empty;
  }

 private:
  F fn_;
};

// ---- case factories -----------------------------------------------------------------

// A receive from `channel` (Channel or PriorityChannel); see RecvCase.
template <class T, class Buffer, class F = detail::NoHandler>
RecvCase<T, Buffer, F> on_recv(BasicChannel<T, Buffer>& channel, F fn = {}) {
  return RecvCase<T, Buffer, F>(channel, std::move(fn));
}

// A send of `value` to `channel`; see SendCase for who owns the value.
template <class T, class Buffer, class V, class F = detail::NoHandler>
  requires(std::is_same_v<V, T&> || std::constructible_from<T, V &&>)
SendCase<T, Buffer, F> on_send(BasicChannel<T, Buffer>& channel, V&& value, F fn = {}) {
  if constexpr (std::is_same_v<V, T&>)
    return SendCase<T, Buffer, F>(channel, value, std::move(fn));
  else
    return SendCase<T, Buffer, F>(std::in_place, channel, std::move(fn), std::forward<V>(value));
}

// A case that fires `timeout` after select starts (a timeout too large to represent
// never fires).
template <class Rep, class Period, class F = detail::NoHandler>
DeadlineCase<F> after(std::chrono::duration<Rep, Period> timeout, F fn = {}) {
  using Seconds = std::chrono::duration<double>;
  const Duration d = timeout <= timeout.zero() ? Duration::zero()
                     : std::chrono::duration_cast<Seconds>(timeout).count() > 1e9
                         ? Duration::max()
                         : std::chrono::ceil<Duration>(timeout);
  return DeadlineCase<F>(std::nullopt, d, std::move(fn));
}

// A case that fires at `deadline` (on the runtime's clock, see sched::now(); other
// clocks are converted; TimePoint::max() never fires).
template <class F = detail::NoHandler>
DeadlineCase<F> until(TimePoint deadline, F fn = {}) {
  return DeadlineCase<F>(deadline, Duration::zero(), std::move(fn));
}
template <class Clock, class Dur, class F = detail::NoHandler>
  requires(!std::is_same_v<std::chrono::time_point<Clock, Dur>, TimePoint>)
DeadlineCase<F> until(const std::chrono::time_point<Clock, Dur>& deadline, F fn = {}) {
  return DeadlineCase<F>(detail::to_deadline(deadline), Duration::zero(), std::move(fn));
}

// A case that fires at once when no other case is ready; makes select non-blocking.
template <class F = detail::NoHandler>
DefaultCase<F> otherwise(F fn = {}) {
  return DefaultCase<F>(std::move(fn));
}

// ---- select -------------------------------------------------------------------------

// Performs exactly one of `cases` and returns which one and how it ended; blocks the
// calling fiber until a channel case can complete or a deadline case is due (with an
// otherwise case it never blocks). Throws Cancelled if the fiber is cancelled while
// blocked, UsageError if it would block outside a fiber or there are two otherwise
// cases. With no case that can ever fire it blocks until cancelled. Any fiber, any
// thread; the channels may be used by fibers on other threads meanwhile.
template <class... Cases>
  requires(std::derived_from<std::remove_cvref_t<Cases>, SelectCase> && ...)
Selected select(Cases&&... cases) {
  const std::array<SelectCase*, sizeof...(Cases)> list{static_cast<SelectCase*>(&cases)...};
  std::array<sched::detail::SpinLock*, sizeof...(Cases)> locks{};
  return detail::select_cases(list, locks);
}

// The same over a run-time list of cases (e.g. one on_recv per channel of a vector).
Selected select(std::span<SelectCase* const> cases);

}  // namespace weft
