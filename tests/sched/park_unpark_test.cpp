// Raw park/unpark and claimed waits, including wake-ups from foreign kernel threads.
#include <catch2/catch.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <weft/weft.hpp>

using namespace std::chrono_literals;
using weft::sched::WaitKind;
using weft::sched::WaitRecord;
using weft::sched::Fiber;

namespace {

// The scheduling state letter of a thread of this process ('R', 'S', 'D', ...).
char thread_state(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() ? line[close + 2] : '?';
}

// Spins (yielding the kernel thread) until pred() holds or `limit` passes.
template <class Pred>
bool spin_until(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

TEST_CASE("a fiber parked on an external wait is unparked by a foreign thread",
          "[park][threads]") {
  const pid_t worker_tid = ::gettid();
  std::atomic<Fiber*> published{nullptr};
  std::atomic<bool> released{false};
  std::atomic<bool> saw_parked{false};
  std::atomic<bool> saw_idle{false};

  std::jthread waker([&] {
    Fiber* fiber = nullptr;
    spin_until([&] { return (fiber = published.load()) != nullptr; });
    if (fiber == nullptr) return;
    // Wait until the fiber is parked and its worker went to sleep: the worker has then
    // looked for a deadlock and must not have reported one (the wait is external).
    saw_parked = spin_until([&] { return fiber->state() == weft::sched::FiberState::Parked; });
    saw_idle = spin_until([&] { return thread_state(worker_tid) == 'S'; });
    released = true;
    weft::sched::unpark(*fiber);
    fiber->release();
  });

  weft::run([&] {
    auto parker = weft::spawn(
        [&] {
          Fiber* self = weft::sched::current_fiber();
          REQUIRE(self != nullptr);
          self->retain();  // the waker's reference
          published = self;
          int parks = 0;
          while (!released.load()) {
            weft::sched::park(WaitRecord{WaitKind::External, &published, "foreign thread"});
            ++parks;
          }
          return parks;
        },
        {.name = "parker"});
    CHECK(parker.join() >= 1);  // the main fiber waits on a join meanwhile
  });
  waker.join();
  CHECK(saw_parked);
  CHECK(saw_idle);
}

TEST_CASE("unpark before park leaves a permit and park returns at once", "[park]") {
  weft::run([] {
    Fiber& self = *weft::sched::current_fiber();
    weft::sched::unpark(self);
    weft::sched::unpark(self);  // permits do not accumulate
    // A non-external record: were the permit lost, this would be reported as a deadlock.
    weft::sched::park(WaitRecord{WaitKind::Other, &self, "permit test"});
    CHECK(self.state() == weft::sched::FiberState::Running);
  });
}

// The stack-overflow report depends on this for the running fiber (stack_test.cpp).
TEST_CASE("Fiber::started is true for the running fiber and for suspended ones",
          "[park][fiber]") {
  weft::run([] {
    Fiber* self = weft::sched::current_fiber();
    Fiber* child_fiber = nullptr;
    auto child = weft::spawn([&] {
      child_fiber = weft::sched::current_fiber();
      weft::this_fiber::yield();
    });
    CHECK_FALSE(child.finished());
    weft::this_fiber::yield();  // the child runs and yields back
    REQUIRE(child_fiber != nullptr);
    CHECK(child_fiber->started());  // suspended in yield
    CHECK(self->started());         // running
    child.join();
  });
}

TEST_CASE("one fiber unparks another on the same worker", "[park]") {
  weft::run([] {
    Fiber* parked = nullptr;
    bool go = false;
    auto sleeper = weft::spawn([&] {
      parked = weft::sched::current_fiber();
      while (!go) weft::sched::park(WaitRecord{WaitKind::Other, &go, "go flag"});
      return true;
    });
    weft::this_fiber::yield();  // the sleeper runs and parks
    REQUIRE(parked != nullptr);
    CHECK(parked->state() == weft::sched::FiberState::Parked);
    CHECK(parked->wait_record().kind == WaitKind::Other);
    CHECK(std::string(parked->wait_record().name) == "go flag");
    go = true;
    weft::sched::unpark(*parked);
    CHECK(sleeper.join());
  });
}

TEST_CASE("park and unpark race with a foreign thread for many rounds", "[park][threads]") {
  constexpr int kRounds = 2000;
  std::atomic<Fiber*> published{nullptr};
  std::atomic<int> requested{0};
  std::atomic<int> granted{0};
  std::atomic<int> stalled_at{0};  // the round whose unpark was lost, if one was

  std::jthread waker([&] {
    Fiber* fiber = nullptr;
    if (!spin_until([&] { return (fiber = published.load()) != nullptr; })) return;
    for (int i = 1; i <= kRounds; ++i) {
      if (!spin_until([&] { return requested.load() >= i; })) {
        // The fiber sleeps through a grant: fail the test rather than hang it.
        stalled_at = i - 1;
        granted.store(kRounds);
        weft::sched::unpark(*fiber);
        break;
      }
      granted.store(i);
      weft::sched::unpark(*fiber);  // may arrive before, during or after the park
    }
    fiber->release();
  });

  int rounds = weft::run([&] {
    Fiber* self = weft::sched::current_fiber();
    self->retain();
    published = self;
    int done = 0;
    for (int i = 1; i <= kRounds; ++i) {
      requested.store(i);
      while (granted.load() < i)
        weft::sched::park(WaitRecord{WaitKind::External, &granted, "round trip"});
      ++done;
    }
    return done;
  });
  waker.join();
  CHECK(stalled_at == 0);
  CHECK(rounds == kRounds);
}

TEST_CASE("a claimed wait is ended by exactly one foreign waker", "[park][wait][threads]") {
  std::atomic<bool> ticket_ready{false};
  weft::sched::WaitTicket ticket;
  std::atomic<int> winners{0};

  weft::sched::WaitOutcome outcome = weft::run([&] {
    ticket = weft::sched::begin_wait(WaitRecord{WaitKind::External, &ticket, "claimed wait"});
    ticket_ready = true;
    std::jthread wakers[3];
    for (int i = 0; i < 3; ++i) {
      wakers[i] = std::jthread([&, i] {
        if (weft::sched::try_wake(ticket, weft::sched::WakeReason::Notified,
                                  static_cast<std::uintptr_t>(100 + i)))
          ++winners;
      });
    }
    weft::sched::WaitOutcome result = weft::sched::await(ticket);
    // The wakers only touch the ticket of an open or just-claimed wait; let them finish
    // before this wait's epoch ends. Joining blocks this worker briefly, which is fine:
    // each of them is already running.
    for (auto& w : wakers) w.join();
    return result;
  });
  CHECK(winners == 1);
  CHECK(outcome.reason == weft::sched::WakeReason::Notified);
  CHECK(outcome.detail >= 100);
  CHECK(outcome.detail <= 102);
}

TEST_CASE("await with a deadline ends with Timeout and later claims lose", "[park][wait]") {
  weft::run([] {
    auto ticket = weft::sched::begin_wait(WaitRecord{WaitKind::Other, nullptr, "nobody comes"});
    const auto t0 = std::chrono::steady_clock::now();
    auto outcome = weft::sched::await(ticket, weft::now() + 10ms);
    CHECK(outcome.reason == weft::sched::WakeReason::Timeout);
    CHECK(std::chrono::steady_clock::now() - t0 >= 10ms);
    CHECK_FALSE(weft::sched::try_claim(ticket, weft::sched::WakeReason::Notified));
  });
}

TEST_CASE("a cancel pending at begin_wait ends the wait at once", "[park][wait][cancel]") {
  weft::run([] {
    auto h = weft::spawn([] {
      auto ticket = weft::sched::begin_wait(WaitRecord{WaitKind::Other, nullptr, "cancelled"});
      return weft::sched::await(ticket).reason;
    });
    h.cancel();
    CHECK(h.join() == weft::sched::WakeReason::Cancelled);
  });
}
