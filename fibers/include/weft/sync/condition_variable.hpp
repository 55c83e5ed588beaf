// weft::ConditionVariable (for std::unique_lock<weft::Mutex>) and
// weft::ConditionVariableAny (for any lock with lock() and unlock()).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "weft/detail/deadline.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/sync/mutex.hpp"

namespace weft {

namespace detail {

// The waiter list shared by both condition variables. Internal.
class CvCore {
 public:
  CvCore() = default;
  CvCore(const CvCore&) = delete;
  CvCore& operator=(const CvCore&) = delete;
  ~CvCore();

  void notify_one(const void* object) noexcept;
  void notify_all(const void* object) noexcept;

  // One wait of the calling fiber. The constructor registers it, so a notify issued
  // after the caller unlocks its mutex cannot be lost; await() parks (under the checker
  // it may return early: a spurious wake-up); the destructor unregisters it, also when
  // an exception unwinds. Throws UsageError outside a fiber.
  class Wait {
   public:
    Wait(CvCore& cv, const void* object, const char* call);
    ~Wait();
    Wait(const Wait&) = delete;
    Wait& operator=(const Wait&) = delete;
    sched::WakeReason await(std::optional<TimePoint> deadline);
    // For a caller that could not release its lock: ends the wait without parking. A
    // notification or cancellation that already ended it is passed on (to the next
    // waiter, or back to the calling fiber), so neither is lost.
    void abandon(const void* object);

   private:
    CvCore& cv_;
    sched::WaitTicket ticket_;
    sched::Waiter node_;
  };

 private:
  sched::detail::SpinLock lock_;
  sched::WaitQueue waiters_;
};

}  // namespace detail

// A condition variable for fibers holding a weft::Mutex through std::unique_lock.
// wait() atomically releases the mutex and blocks; it re-takes the mutex before it
// returns or throws. Wake-ups may be spurious (the checker injects some), so wait in a
// loop or use the predicate forms. notify_one() wakes the longest waiting fiber (under
// the checker, a recorded choice); notify_all() wakes every waiter. Usable from fibers
// on any thread; notify_* also from plain threads, with or without the mutex held.
class ConditionVariable {
 public:
  ConditionVariable() = default;
  ConditionVariable(const ConditionVariable&) = delete;
  ConditionVariable& operator=(const ConditionVariable&) = delete;
  // Precondition: no fiber waits on it.
  ~ConditionVariable() = default;

  // Wakes one waiting fiber, if any.
  void notify_one();
  // Wakes every waiting fiber.
  void notify_all();

  // Releases `lock`'s mutex, blocks until notified (or spuriously woken), re-takes the
  // mutex. Throws Cancelled (with the mutex re-taken) if the fiber is cancelled while
  // waiting; re-taking the mutex itself is not interrupted by a cancellation, which is
  // then delivered by the next blocking call. Throws UsageError when `lock` does not hold
  // its mutex or the caller is not a fiber.
  void wait(std::unique_lock<Mutex>& lock);
  // Waits until pred() is true; pred is evaluated with the mutex held.
  template <class Predicate>
  void wait(std::unique_lock<Mutex>& lock, Predicate pred) {
    while (!pred()) wait(lock);
  }

  // As wait(), until a deadline on the runtime's clock (weft::now()): returns
  // std::cv_status::timeout when it passed, no_timeout when woken.
  std::cv_status wait_until(std::unique_lock<Mutex>& lock, TimePoint deadline);
  template <class Clock, class Dur>
  std::cv_status wait_until(std::unique_lock<Mutex>& lock,
                            const std::chrono::time_point<Clock, Dur>& deadline) {
    return wait_until(lock, detail::to_deadline(deadline));
  }
  template <class Rep, class Period>
  std::cv_status wait_for(std::unique_lock<Mutex>& lock,
                          std::chrono::duration<Rep, Period> timeout) {
    return wait_until(lock, detail::deadline_after(timeout));
  }

  // Waits until pred() is true or the deadline passed; returns pred() (true: satisfied).
  template <class Clock, class Dur, class Predicate>
  bool wait_until(std::unique_lock<Mutex>& lock,
                  const std::chrono::time_point<Clock, Dur>& deadline, Predicate pred) {
    const TimePoint until = detail::to_deadline(deadline);
    while (!pred())
      if (wait_until(lock, until) == std::cv_status::timeout) return pred();
    return true;
  }
  template <class Rep, class Period, class Predicate>
  bool wait_for(std::unique_lock<Mutex>& lock, std::chrono::duration<Rep, Period> timeout,
                Predicate pred) {
    return wait_until(lock, detail::deadline_after(timeout), std::move(pred));
  }

 private:
  std::cv_status wait_impl(std::unique_lock<Mutex>& lock, std::optional<TimePoint> deadline);

  detail::CvCore core_;
};

// A condition variable for any BasicLockable lock (weft::Mutex itself, RecursiveMutex
// held once, std::unique_lock / std::shared_lock of a weft lock, ...). Same contract as
// ConditionVariable, except that re-taking the lock uses the lock's own lock(): if that
// throws (e.g. Cancelled for a second cancellation), the exception propagates and the
// lock is not held.
class ConditionVariableAny {
 public:
  ConditionVariableAny() = default;
  ConditionVariableAny(const ConditionVariableAny&) = delete;
  ConditionVariableAny& operator=(const ConditionVariableAny&) = delete;

  // Wakes one waiting fiber, if any.
  void notify_one() {
    schedule_point(sched::Op::Notify, this);
    core_.notify_one(this);
  }
  // Wakes every waiting fiber.
  void notify_all() {
    schedule_point(sched::Op::Notify, this);
    core_.notify_all(this);
  }

  // Releases `lock`, blocks until notified (or spuriously woken), re-takes `lock`.
  // Throws Cancelled (lock re-taken) if cancelled while waiting; UsageError outside a fiber.
  template <class Lock>
  void wait(Lock& lock) {
    (void)wait_impl(lock, std::nullopt);
  }
  template <class Lock, class Predicate>
  void wait(Lock& lock, Predicate pred) {
    while (!pred()) wait(lock);
  }

  // As wait(), until a deadline: std::cv_status::timeout when it passed.
  template <class Lock, class Clock, class Dur>
  std::cv_status wait_until(Lock& lock, const std::chrono::time_point<Clock, Dur>& deadline) {
    return wait_impl(lock, detail::finite(detail::to_deadline(deadline)));
  }
  template <class Lock, class Rep, class Period>
  std::cv_status wait_for(Lock& lock, std::chrono::duration<Rep, Period> timeout) {
    return wait_impl(lock, detail::finite(detail::deadline_after(timeout)));
  }
  // Waits until pred() is true or the deadline passed; returns pred().
  template <class Lock, class Clock, class Dur, class Predicate>
  bool wait_until(Lock& lock, const std::chrono::time_point<Clock, Dur>& deadline,
                  Predicate pred) {
    const std::optional<TimePoint> until = detail::finite(detail::to_deadline(deadline));
    while (!pred())
      if (wait_impl(lock, until) == std::cv_status::timeout) return pred();
    return true;
  }
  template <class Lock, class Rep, class Period, class Predicate>
  bool wait_for(Lock& lock, std::chrono::duration<Rep, Period> timeout, Predicate pred) {
    return wait_until(lock, detail::deadline_after(timeout), std::move(pred));
  }

 private:
  template <class Lock>
  std::cv_status wait_impl(Lock& lock, std::optional<TimePoint> deadline) {
    schedule_point(sched::Op::Wait, this);
    sched::WakeReason reason;
    {
      detail::CvCore::Wait wait(core_, this, "weft::ConditionVariableAny::wait");
      try {
        lock.unlock();
      } catch (...) {  // e.g. a lock that was not held: the caller keeps it
        wait.abandon(this);
        throw;
      }
      try {
        reason = wait.await(deadline);
      } catch (...) {  // the runtime unwinds this fiber: re-take the lock if that is free
        try {
          lock.lock();
        } catch (...) {
        }
        throw;
      }
    }
    lock.lock();
    if (reason == sched::WakeReason::Cancelled) throw Cancelled();
    if (reason == sched::WakeReason::Notified) sched::hb_acquire(this);
    return reason == sched::WakeReason::Timeout ? std::cv_status::timeout : std::cv_status::no_timeout;
  }

  detail::CvCore core_;
};

}  // namespace weft
