// Lost and misdirected signals: a notification that nobody receives, reaches the wrong
// waiter, or finds a waiter that cannot act on it. Each bug beside its fix; the
// benchmark (tools/bugbench) runs them all.
#include <mutex>
#include <string>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;
using weft::check::Shared;

void join_all(std::vector<weft::JoinHandle<void>>& fibers) {
  for (auto& f : fibers) f.join();
}

// --- an event counter tested outside its monitor ----------------------------------------
// Java PathFinder's "oldclassic" example (after Havelund's deadlock in a classic
// two-task program): each task compares the other's event count with the one it last
// saw, outside the event's lock, and only then waits; a signal in between is lost and
// both tasks end up waiting for each other.

constexpr int kRounds = 2;

class CountingEvent {
 public:
  // The racy half of the protocol: the caller has already compared count() outside.
  void wait_unchecked() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock);
  }
  // Waits, under the lock, until the count moves past `seen`; returns the new count.
  int wait_past(int seen) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return count_.load() != seen; });
    return count_.load();
  }
  void signal() {
    std::lock_guard guard(mutex_);
    count_.fetch_add(1);
    cv_.notify_all();
  }
  int count() const { return count_.load(); }

 private:
  weft::Mutex mutex_;
  weft::ConditionVariable cv_;
  Atomic<int> count_{0};
};

// The first task waits for `in` and signals `out`; the second signals first.
int wait_racy(CountingEvent& event, int seen) {
  if (seen == event.count()) event.wait_unchecked();
  return event.count();
}

WEFT_SCENARIO_MUST_FAIL(event_count_lost_notify, "a task compares the event count outside the lock, then waits") {
  CountingEvent first_to_second, second_to_first;
  auto first = weft::spawn(
      [&] {
        int seen = 0;
        for (int i = 0; i < kRounds; ++i) {
          seen = wait_racy(second_to_first, seen);
          first_to_second.signal();
        }
      },
      {.name = "first-task"});
  auto second = weft::spawn(
      [&] {
        int seen = 0;
        for (int i = 0; i < kRounds; ++i) {
          second_to_first.signal();
          seen = wait_racy(first_to_second, seen);
        }
      },
      {.name = "second-task"});
  first.join();
  second.join();
}

WEFT_SCENARIO(event_count_lost_notify_fixed, "the count is compared under the event's lock before waiting") {
  CountingEvent first_to_second, second_to_first;
  auto first = weft::spawn(
      [&] {
        int seen = 0;
        for (int i = 0; i < kRounds; ++i) {
          seen = second_to_first.wait_past(seen);
          first_to_second.signal();
        }
      },
      {.name = "first-task"});
  auto second = weft::spawn(
      [&] {
        int seen = 0;
        for (int i = 0; i < kRounds; ++i) {
          second_to_first.signal();
          seen = first_to_second.wait_past(seen);
        }
      },
      {.name = "second-task"});
  first.join();
  second.join();
}

// --- bounded buffer: one condition variable, notify_one ---------------------------------
// Java PathFinder's BoundedBuffer example (also Inspect's boundedBuffer): producers and
// consumers wait on the same condition, and notify() wakes one waiter of either kind; a
// consumer woken by a consumer goes back to sleep with the signal, and everybody waits.

constexpr int kPairs = 2;  // producers and consumers, one item each; capacity 1

struct OneSlot {
  weft::Mutex mutex;
  Shared<int> items{0};
};

WEFT_SCENARIO_MUST_FAIL(bounded_buffer_notify_one,
                        "producers and consumers share one condition variable and notify_one") {
  OneSlot slot;
  weft::ConditionVariable changed;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < kPairs; ++i) {
    fibers.push_back(weft::spawn(
        [&] {
          std::unique_lock lock(slot.mutex);
          changed.wait(lock, [&] { return slot.items.load() == 0; });
          slot.items.store(1);
          changed.notify_one();
        },
        {.name = "producer-" + std::to_string(i)}));
    fibers.push_back(weft::spawn(
        [&] {
          std::unique_lock lock(slot.mutex);
          changed.wait(lock, [&] { return slot.items.load() == 1; });
          slot.items.store(0);
          changed.notify_one();
        },
        {.name = "consumer-" + std::to_string(i)}));
  }
  join_all(fibers);
}

WEFT_SCENARIO(bounded_buffer_notify_one_fixed, "producers and consumers wait on separate conditions") {
  OneSlot slot;
  weft::ConditionVariable not_full, not_empty;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < kPairs; ++i) {
    fibers.push_back(weft::spawn(
        [&] {
          std::unique_lock lock(slot.mutex);
          not_full.wait(lock, [&] { return slot.items.load() == 0; });
          slot.items.store(1);
          not_empty.notify_one();
        },
        {.name = "producer-" + std::to_string(i)}));
    fibers.push_back(weft::spawn(
        [&] {
          std::unique_lock lock(slot.mutex);
          not_empty.wait(lock, [&] { return slot.items.load() == 1; });
          slot.items.store(0);
          not_full.notify_one();
        },
        {.name = "consumer-" + std::to_string(i)}));
  }
  join_all(fibers);
}

// --- `if` instead of `while` around a condition wait ------------------------------------
// Textbook (Butenhof, Programming with POSIX Threads, on stolen wake-ups): a consumer
// woken for an item must look again, because another consumer may take the item before
// the woken one gets the lock back.

struct Queue {
  weft::Mutex mutex;
  weft::ConditionVariable not_empty;
  Shared<int> items{0};

  void put() {
    std::lock_guard guard(mutex);
    items.store(items.load() + 1);
    not_empty.notify_one();
  }
};

void take(Queue& queue, bool recheck) {
  std::unique_lock lock(queue.mutex);
  if (recheck) {
    queue.not_empty.wait(lock, [&] { return queue.items.load() > 0; });
  } else if (queue.items.load() == 0) {
    queue.not_empty.wait(lock);
  }
  int items = queue.items.load();
  WEFT_ASSERT(items > 0);  // popping an empty queue
  queue.items.store(items - 1);
}

void stolen_wakeup_run(bool recheck) {
  Queue queue;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < 2; ++i)
    fibers.push_back(weft::spawn([&] { take(queue, recheck); }, {.name = "consumer-" + std::to_string(i)}));
  fibers.push_back(weft::spawn(
      [&] {
        queue.put();
        queue.put();
      },
      {.name = "producer"}));
  join_all(fibers);
}

WEFT_SCENARIO_MUST_FAIL(if_not_while, "a consumer waits under `if (empty)` and pops without looking again") {
  stolen_wakeup_run(false);
}

WEFT_SCENARIO(if_not_while_fixed, "the consumer waits in a loop until the queue is not empty") {
  stolen_wakeup_run(true);
}

// --- a hand-made barrier whose last arrival wakes one waiter ----------------------------
// Textbook missed signal across several fibers: the last fiber to arrive notifies one
// waiter instead of all of them, and the others sleep forever.

constexpr int kParties = 3;

struct HandBarrier {
  weft::Mutex mutex;
  weft::ConditionVariable all_arrived;
  Shared<int> arrived{0};
};

void arrive_and_wait(HandBarrier& barrier, bool wake_all) {
  std::unique_lock lock(barrier.mutex);
  barrier.arrived.store(barrier.arrived.load() + 1);
  if (barrier.arrived.load() == kParties) {
    if (wake_all)
      barrier.all_arrived.notify_all();
    else
      barrier.all_arrived.notify_one();
    return;
  }
  barrier.all_arrived.wait(lock, [&] { return barrier.arrived.load() == kParties; });
}

void barrier_run(bool wake_all) {
  HandBarrier barrier;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < kParties; ++i)
    fibers.push_back(weft::spawn([&] { arrive_and_wait(barrier, wake_all); },
                                 {.name = "party-" + std::to_string(i)}));
  join_all(fibers);
}

WEFT_SCENARIO_MUST_FAIL(barrier_notify_one, "the last of three parties wakes one waiter instead of all") {
  barrier_run(false);
}

WEFT_SCENARIO(barrier_notify_one_fixed, "the last party wakes every waiter") { barrier_run(true); }

// --- nested monitor lockout -------------------------------------------------------------
// Lister, "The problem of nested monitor calls" (1977): a fiber waits on an inner
// monitor's condition while it still holds the outer lock, which the fiber that would
// signal it needs first.

struct NestedMonitor {
  weft::Mutex outer;
  weft::Mutex inner;
  weft::ConditionVariable ready_cv;
  Shared<bool> ready{false};

  void signal_ready() {
    std::lock_guard lock_outer(outer);
    std::lock_guard lock_inner(inner);
    ready.store(true);
    ready_cv.notify_one();
  }
  void wait_inner() {
    std::unique_lock lock_inner(inner);
    ready_cv.wait(lock_inner, [&] { return ready.load(); });
  }
};

WEFT_SCENARIO_MUST_FAIL(nested_monitor, "a fiber waits on the inner monitor while it holds the outer lock") {
  NestedMonitor monitor;
  auto waiter = weft::spawn(
      [&] {
        std::lock_guard lock_outer(monitor.outer);
        monitor.wait_inner();
      },
      {.name = "waiter"});
  auto signaller = weft::spawn([&] { monitor.signal_ready(); }, {.name = "signaller"});
  waiter.join();
  signaller.join();
}

WEFT_SCENARIO(nested_monitor_fixed, "the waiter lets go of the outer lock before it waits") {
  NestedMonitor monitor;
  auto waiter = weft::spawn(
      [&] {
        { std::lock_guard lock_outer(monitor.outer); }  // its outer work, done before waiting
        monitor.wait_inner();
      },
      {.name = "waiter"});
  auto signaller = weft::spawn([&] { monitor.signal_ready(); }, {.name = "signaller"});
  waiter.join();
  signaller.join();
}

}  // namespace
