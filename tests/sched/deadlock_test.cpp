// Global deadlock detection: run() throws DeadlockError naming every stuck fiber, what it
// waits on, who holds the locks they wait for and the cycle of fibers waiting for each
// other, after unwinding them (their destructors run).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <sstream>
#include <string>

#include <weft/weft.hpp>

using Catch::Matchers::Contains;

namespace {

// Counts live instances: every one built on a stuck fiber's stack must be destroyed by
// the time run() throws. Atomic: the fibers run (and unwind) on several workers.
struct StackObject {
  static inline std::atomic<int> alive{0};
  static inline std::atomic<int> destroyed{0};
  StackObject() { ++alive; }
  StackObject(const StackObject&) = delete;
  StackObject& operator=(const StackObject&) = delete;
  ~StackObject() {
    --alive;
    ++destroyed;
  }
};

// A latch nobody opens, built on the kernel seam the way every primitive is: a lock,
// a WaitQueue of stack-allocated Waiters, begin_wait + await, and an RAII unlink.
class Gate {
 public:
  explicit Gate(const char* name) : name_(name) {}

  void wait() {
    lock_.lock();
    if (open_) {
      lock_.unlock();
      return;
    }
    auto ticket = weft::sched::begin_wait(weft::sched::WaitRecord{weft::sched::WaitKind::Event, this, name_});
    weft::sched::Waiter waiter(ticket);
    waiters_.push_back(waiter);
    lock_.unlock();
    struct Unlink {
      Gate& gate;
      weft::sched::Waiter& waiter;
      ~Unlink() {
        gate.lock_.lock();
        gate.waiters_.remove(waiter);
        gate.lock_.unlock();
      }
    } unlink{*this, waiter};
    if (weft::sched::await(ticket).reason == weft::sched::WakeReason::Cancelled) throw weft::Cancelled();
  }

  void open() {
    lock_.lock();
    open_ = true;
    waiters_.notify_all();
    lock_.unlock();
  }

 private:
  const char* name_;
  weft::sched::detail::SpinLock lock_;
  weft::sched::WaitQueue waiters_;
  bool open_ = false;
};

}  // namespace

TEST_CASE("two fibers joining each other deadlock; run throws and names both",
          "[deadlock]") {
  StackObject::alive = 0;
  StackObject::destroyed = 0;
  weft::JoinHandle<void> a_handle, b_handle;  // shared slots: each fiber joins the other
  std::string report;
  std::atomic<bool> reached_after_join{false};
  // On several workers a fiber may start before the other's slot is filled: both wait
  // for this event, which the main fiber sets once both slots hold a handle.
  weft::Event slots_filled;
  try {
    weft::run([&] {
      a_handle = weft::spawn(
          [&] {
            StackObject on_a_stack;
            slots_filled.wait();
            b_handle.join();
            reached_after_join = true;
          },
          {.name = "fiber-a"});
      b_handle = weft::spawn(
          [&] {
            StackObject on_b_stack;
            slots_filled.wait();
            a_handle.join();
            reached_after_join = true;
          },
          {.name = "fiber-b"});
      slots_filled.set();
    });
    FAIL("weft::run returned although its fibers deadlocked");
  } catch (const weft::DeadlockError& e) {
    report = e.what();
  }
  INFO(report);
  CHECK_THAT(report, Contains("deadlock"));
  CHECK_THAT(report, Contains("'fiber-a'") && Contains("'fiber-b'"));
  CHECK_THAT(report, Contains("waits on join (fiber-a)") && Contains("waits on join (fiber-b)"));
  CHECK_THAT(report, Contains("wait-for cycle of 2: fiber #") && Contains(" 'fiber-a' waits to join fiber #") &&
                         Contains(" 'fiber-b', which waits to join fiber #"));
  CHECK_FALSE(reached_after_join);
  CHECK(StackObject::destroyed == 2);  // both stuck fibers were unwound
  CHECK(StackObject::alive == 0);
}

TEST_CASE("fibers blocked on a WaitQueue nobody notifies are reported with their wait",
          "[deadlock]") {
  StackObject::alive = 0;
  StackObject::destroyed = 0;
  Gate left("left gate"), right("right gate");
  std::atomic<int> cancelled_or_woken{0};  // atomic: the fibers unwind on several workers
  try {
    weft::run([&] {
      auto a = weft::spawn(
          [&] {
            StackObject guard;
            try {
              left.wait();
            } catch (const weft::Cancelled&) {
              ++cancelled_or_woken;  // unwinding must not look like a cancel
            }
            ++cancelled_or_woken;
          },
          {.name = "waits-left"});
      auto b = weft::spawn(
          [&] {
            StackObject guard;
            right.wait();
            ++cancelled_or_woken;
          },
          {.name = "waits-right"});
      StackObject main_guard;
      a.join();
      b.join();
    });
    FAIL("weft::run returned although its fibers deadlocked");
  } catch (const weft::DeadlockError& e) {
    const std::string report = e.what();
    INFO(report);
    CHECK_THAT(report, Contains("all 3 remaining fibers are blocked"));
    CHECK_THAT(report, Contains("'waits-left' parked: waits on event (left gate)"));
    CHECK_THAT(report, Contains("'waits-right' parked: waits on event (right gate)"));
    CHECK_THAT(report, Contains("'main' parked: waits on join (waits-left)"));
  }
  CHECK(cancelled_or_woken == 0);
  CHECK(StackObject::destroyed == 3);
  CHECK(StackObject::alive == 0);
}

namespace {

// "#<id> '<name>'", as deadlock reports name a fiber.
std::string label(weft::sched::FiberId id, const std::string& name) {
  return "#" + std::to_string(id) + " '" + name + "'";
}

// Two fibers take two locks in opposite orders, each waiting (yielding) until the other
// holds its first lock: a deadlock. Returns the report; `ab` and `ba` get the fibers' ids.
template <class Lock>
std::string lock_in_opposite_orders(Lock& first, Lock& second, weft::sched::FiberId& ab,
                                    weft::sched::FiberId& ba) {
  // On several workers one yield does not let the other fiber take its first lock.
  std::atomic<int> holding_outer{0};
  auto until_both_hold_outer = [&] {
    ++holding_outer;
    while (holding_outer < 2) weft::this_fiber::yield();
  };
  try {
    weft::run([&] {
      auto x = weft::spawn(
          [&] {
            ab = weft::this_fiber::id();
            std::lock_guard outer(first);
            until_both_hold_outer();
            std::lock_guard inner(second);
          },
          {.name = "ab"});
      auto y = weft::spawn(
          [&] {
            ba = weft::this_fiber::id();
            std::lock_guard outer(second);
            until_both_hold_outer();
            std::lock_guard inner(first);
          },
          {.name = "ba"});
      x.join();
      y.join();
    });
  } catch (const weft::DeadlockError& e) {
    return e.what();
  }
  FAIL("weft::run returned although its fibers deadlocked");
  return {};
}

}  // namespace

TEST_CASE("a deadlock on two mutexes names who holds each and the cycle", "[deadlock]") {
  weft::Mutex left("left"), right("right");
  weft::sched::FiberId ab = 0, ba = 0;
  const std::string report = lock_in_opposite_orders(left, right, ab, ba);
  INFO(report);
  CHECK_THAT(report, Contains(label(ab, "ab") + " parked: waits on mutex (right) at ") &&
                         Contains(label(ba, "ba") + " parked: waits on mutex (left) at "));
  CHECK_THAT(report, Contains(", held by fiber " + label(ba, "ba") + "\n") &&
                         Contains(", held by fiber " + label(ab, "ab") + "\n"));
  CHECK_THAT(report, Contains("  wait-for cycle of 2: fiber " + label(ab, "ab") + " waits for mutex 'right' held by fiber " +
                              label(ba, "ba") + ", which waits for mutex 'left' held by fiber " + label(ab, "ab") + "\n"));
  CHECK_FALSE(left.is_locked());  // unwinding unlocked both
  CHECK_FALSE(right.is_locked());
}

TEST_CASE("a deadlock on unnamed locks names them by address", "[deadlock]") {
  weft::RecursiveMutex first, second;
  weft::sched::FiberId ab = 0, ba = 0;
  const std::string report = lock_in_opposite_orders(first, second, ab, ba);
  INFO(report);
  std::ostringstream first_at, second_at;
  first_at << &first;
  second_at << &second;
  CHECK_THAT(report, Contains("fiber " + label(ab, "ab") + " waits for mutex at " + second_at.str() +
                              " held by fiber " + label(ba, "ba") + ", which waits for mutex at " +
                              first_at.str() + " held by fiber " + label(ab, "ab")));
}

TEST_CASE("a deadlock on a writer-held shared mutex names the writer", "[deadlock]") {
  weft::SharedMutex first("first"), second("second");
  weft::sched::FiberId ab = 0, ba = 0;
  const std::string report = lock_in_opposite_orders(first, second, ab, ba);
  INFO(report);
  CHECK_THAT(report, Contains("wait-for cycle of 2: fiber " + label(ab, "ab") + " waits for mutex 'second' held by fiber " +
                              label(ba, "ba")));
}

TEST_CASE("a lock left locked by a fiber that ended is reported with that fiber", "[deadlock]") {
  weft::Mutex forgotten("forgotten");
  weft::sched::FiberId leaver = 0;
  std::string report;
  try {
    weft::run([&] {
      weft::spawn(
          [&] {
            leaver = weft::this_fiber::id();
            forgotten.lock();  // and never unlocks it
          },
          {.name = "leaver"})
          .join();
      std::lock_guard guard(forgotten);
    });
    FAIL("weft::run returned although its fibers deadlocked");
  } catch (const weft::DeadlockError& e) {
    report = e.what();
  }
  INFO(report);
  CHECK_THAT(report, Contains("'main' parked: waits on mutex (forgotten) at ") &&
                         Contains(", held by fiber " + label(leaver, "leaver") +
                                  ", which has ended without unlocking it\n"));
  CHECK_THAT(report, !Contains("wait-for cycle"));
}

TEST_CASE("a fiber parked with no waker at all is a deadlock", "[deadlock]") {
  CHECK_THROWS_AS(weft::run([] {
                    weft::sched::park(
                        weft::sched::WaitRecord{weft::sched::WaitKind::Other, nullptr, "forgotten park"});
                  }),
                  weft::DeadlockError);
}

TEST_CASE("the thread can run weft again after a deadlock", "[deadlock]") {
  Gate never("never opened");
  CHECK_THROWS_AS(weft::run([&] { never.wait(); }), weft::DeadlockError);
  CHECK(weft::run([] { return weft::spawn([] { return 9; }).join(); }) == 9);
}

TEST_CASE("a gate that is opened wakes its waiters (no false deadlock)", "[deadlock]") {
  Gate gate("opened gate");
  int woken = weft::run([&] {
    std::atomic<int> count{0};  // atomic: the waiters run on several workers
    auto w1 = weft::spawn([&] {
      gate.wait();
      ++count;
    });
    auto w2 = weft::spawn([&] {
      gate.wait();
      ++count;
    });
    weft::this_fiber::yield();  // both park on the gate (on one worker; later on several)
    gate.open();
    w1.join();
    w2.join();
    gate.wait();  // already open: returns at once
    return count.load();
  });
  CHECK(woken == 2);
}
