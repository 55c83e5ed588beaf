// A failing run is torn down whatever its frames own: when a fiber fails (WEFT_ASSERT or an
// exception) while its frame owns a primitive another fiber is blocked on, the checker
// reports that failure and goes on with the next run; the blocked fiber unwinds out of its
// wait while the primitive still exists (no abort, nothing touched after it is gone, no
// leak). Each primitive is tried with the scenario's main body as the owner and with a
// spawned fiber as the owner, failing both ways.
#include <catch2/catch.hpp>

#include <functional>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/checker_options.hpp"
#include "support/child_process.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;

namespace {

enum class Failure { Assert, Throw };
enum class Owner { Main, Spawned };

// Ends the owner's body while its primitive is in use: a failed WEFT_ASSERT or an exception.
void owner_fails(Failure how, const std::string& primitive) {
  if (how == Failure::Throw) throw std::runtime_error("the owner of " + primitive + " gave up");
  const bool owner_ok = false;
  WEFT_ASSERT(owner_ok);
}

// Lets the fiber just spawned run until it blocks (one worker: it runs until it does).
void let_it_block() { weft::this_fiber::yield(); }

// One primitive: declares it in the caller's frame, blocks another fiber on it and fails.
struct Primitive {
  const char* name;
  std::function<void(Failure)> own_block_and_fail;
};

const std::vector<Primitive>& primitives() {
  static const std::vector<Primitive> all = {
      {"a mutex",
       [](Failure how) {
         weft::Mutex m;
         std::lock_guard hold(m);  // unwinding hands it to the waiter
         weft::spawn([&] { std::lock_guard g(m); }).detach();
         let_it_block();
         owner_fails(how, "a mutex");
       }},
      {"a recursive mutex",
       [](Failure how) {
         weft::RecursiveMutex m;
         std::lock_guard hold(m);
         weft::spawn([&] { std::lock_guard g(m); }).detach();
         let_it_block();
         owner_fails(how, "a recursive mutex");
       }},
      {"a condition variable",
       [](Failure how) {
         weft::Mutex m;
         weft::ConditionVariable cv;
         bool ready = false;
         weft::spawn([&] {
           std::unique_lock lock(m);
           cv.wait(lock, [&] { return ready; });
         }).detach();
         let_it_block();
         std::lock_guard hold(m);  // the owner fails holding the waiter's mutex
         owner_fails(how, "a condition variable");
       }},
      {"a condition variable declared before its mutex",
       [](Failure how) {
         weft::ConditionVariable cv;
         weft::Mutex m;  // destroyed first: the waiter must not relock it on its way out
         bool ready = false;
         weft::spawn([&] {
           std::unique_lock lock(m);
           cv.wait(lock, [&] { return ready; });
         }).detach();
         let_it_block();
         owner_fails(how, "a condition variable declared before its mutex");
       }},
      {"an unbuffered channel (receiver waits)",
       [](Failure how) {
         weft::Channel<int> ch(0);
         weft::spawn([&] { (void)ch.recv(); }).detach();
         let_it_block();
         owner_fails(how, "an unbuffered channel (receiver waits)");
       }},
      {"an unbuffered channel (sender waits)",
       [](Failure how) {
         weft::Channel<int> ch(0);
         weft::spawn([&] { (void)ch.send(1); }).detach();
         let_it_block();
         owner_fails(how, "an unbuffered channel (sender waits)");
       }},
      {"a buffered channel (receiver waits)",
       [](Failure how) {
         weft::Channel<int> ch(2);
         weft::spawn([&] { (void)ch.recv(); }).detach();
         let_it_block();
         owner_fails(how, "a buffered channel (receiver waits)");
       }},
      {"a buffered channel (sender waits)",
       [](Failure how) {
         weft::Channel<int> ch(1);
         (void)ch.send(0);  // full
         weft::spawn([&] { (void)ch.send(1); }).detach();
         let_it_block();
         owner_fails(how, "a buffered channel (sender waits)");
       }},
      {"a channel a select waits on",
       [](Failure how) {
         weft::Channel<int> a(0), b(0);
         weft::spawn([&] { (void)weft::select(weft::on_recv(a, [](int) {}), weft::on_recv(b, [](int) {})); })
             .detach();
         let_it_block();
         owner_fails(how, "a channel a select waits on");
       }},
      {"a shared mutex (writer waits)",
       [](Failure how) {
         weft::SharedMutex m;
         std::lock_guard hold(m);
         weft::spawn([&] { std::lock_guard g(m); }).detach();
         let_it_block();
         owner_fails(how, "a shared mutex (writer waits)");
       }},
      {"a shared mutex (reader waits)",
       [](Failure how) {
         weft::SharedMutex m;
         std::lock_guard hold(m);
         weft::spawn([&] { std::shared_lock g(m); }).detach();
         let_it_block();
         owner_fails(how, "a shared mutex (reader waits)");
       }},
      {"a semaphore",
       [](Failure how) {
         weft::Semaphore s(0);
         weft::spawn([&] { s.acquire(); }).detach();
         let_it_block();
         owner_fails(how, "a semaphore");
       }},
      {"a wait group",
       [](Failure how) {
         weft::WaitGroup wg;
         wg.add(1);
         weft::spawn([&] { wg.wait(); }).detach();
         let_it_block();
         owner_fails(how, "a wait group");
       }},
      {"a barrier",
       [](Failure how) {
         weft::Barrier barrier(2);
         weft::spawn([&] { (void)barrier.arrive_and_wait(); }).detach();
         let_it_block();
         owner_fails(how, "a barrier");
       }},
      {"a latch",
       [](Failure how) {
         weft::Latch latch(1);
         weft::spawn([&] { latch.wait(); }).detach();
         let_it_block();
         owner_fails(how, "a latch");
       }},
      {"an event",
       [](Failure how) {
         weft::Event event;
         weft::spawn([&] { event.wait(); }).detach();
         let_it_block();
         owner_fails(how, "an event");
       }},
      {"a promise",
       [](Failure how) {
         weft::Promise<int> promise;
         weft::spawn([future = promise.get_future()]() mutable { (void)future.get(); }).detach();
         let_it_block();
         owner_fails(how, "a promise");
       }},
  };
  return all;
}

std::function<void()> scenario(const Primitive& p, Owner owner, Failure how) {
  if (owner == Owner::Main) return [&p, how] { p.own_block_and_fail(how); };
  return [&p, how] { weft::spawn([&p, how] { p.own_block_and_fail(how); }, {.name = "owner"}).join(); };
}

// One worker: a fiber runs until it blocks or yields, so the waiter is surely blocked
// when its owner fails.
check::Options cooperative(std::size_t iterations) {
  check::Options o = weft_test::quiet(check::Random{}, iterations);
  o.workers = 1;
  return o;
}

void expect_failure(const check::Report& report, Failure how, const std::string& primitive) {
  INFO(report.to_string());
  if (how == Failure::Assert) {
    CHECK(report.kind == check::FailureKind::Assertion);
    CHECK_THAT(report.message, Catch::Contains("WEFT_ASSERT(owner_ok) failed"));
  } else {
    CHECK(report.kind == check::FailureKind::Exception);
    CHECK_THAT(report.message, Catch::Contains("the owner of " + primitive + " gave up"));
  }
}

}  // namespace

TEST_CASE("Teardown: a failing owner of a blocked-on primitive ends the run with its report",
          "[checker][teardown]") {
  for (const Primitive& p : primitives())
    for (Owner owner : {Owner::Main, Owner::Spawned})
      for (Failure how : {Failure::Assert, Failure::Throw}) {
        const std::string label = std::string(p.name) + (owner == Owner::Main ? ", main" : ", spawned") +
                                  " owner, " + (how == Failure::Assert ? "WEFT_ASSERT" : "exception");
        SECTION(label) {
          auto body = scenario(p, owner, how);
          check::Report found = check::explore(cooperative(20), body);
          expect_failure(found, how, p.name);
          CHECK(found.iteration == 0);  // it fails in every run
          // The schedule replays to the same failure: the torn-down run left nothing behind.
          check::Report again = check::replay(found.schedule, body, cooperative(1));
          expect_failure(again, how, p.name);
          CHECK(again.message == found.message);
        }
      }
}

TEST_CASE("Teardown: exploration goes on past passing runs, and a torn-down run is replayed",
          "[checker][teardown]") {
  // Fails only when the scenario's own choice says so; the passing runs let the waiter go.
  auto body = [] {
    weft::Mutex m;
    weft::Channel<int> ch(0);
    auto waiter = weft::spawn([&] {
      std::lock_guard g(m);
      (void)ch.recv();
    });
    let_it_block();
    const bool owner_ok = check::choose(4) != 3;
    if (!owner_ok) throw std::runtime_error("the owner gave up");
    (void)ch.send(1);
    waiter.join();
  };
  check::Options options = weft_test::quiet(check::Random{}, 200);
  options.shrink = true;
  check::Report found = check::explore(options, body);
  INFO(found.to_string());
  REQUIRE(found.kind == check::FailureKind::Exception);
  CHECK_THAT(found.message, Catch::Contains("the owner gave up"));
  CHECK(found.iteration > 0);
  check::Report again = check::replay(found.schedule, body, options);
  CHECK(again.kind == check::FailureKind::Exception);
  CHECK(again.message == found.message);
  // A fresh exploration after all that still runs every iteration when nothing fails.
  check::Report passing = check::explore(weft_test::quiet(check::Random{}, 50), [] {
    weft::Channel<int> ch(0);
    auto receiver = weft::spawn([&] { (void)ch.recv(); });
    (void)ch.send(1);
    receiver.join();
  });
  CHECK(passing.ok());
  CHECK(passing.runs == 50);
}

TEST_CASE("Teardown: destroying a primitive with waiters in a run that did not fail is reported",
          "[checker][teardown]") {
  auto report = check::explore(cooperative(5), [] {
    auto* ch = new weft::Channel<int>(0);
    weft::spawn([ch] { (void)ch->recv(); }).detach();
    let_it_block();
    delete ch;  // the bug: a fiber still waits on it
  });
  INFO(report.to_string());
  CHECK(report.kind == check::FailureKind::Exception);
  CHECK_THAT(report.message, Catch::Contains("a channel at 0x"));
  CHECK_THAT(report.message, Catch::Contains("destroyed while fiber #1 still waits on it"));
}

TEST_CASE("Teardown: an exception the scenario catches leaves the destroyed-while-waited failure",
          "[checker][teardown]") {
  auto report = check::explore(cooperative(5), [] {
    try {
      weft::Channel<int> ch(0);
      weft::spawn([&] { (void)ch.recv(); }).detach();
      let_it_block();
      throw std::runtime_error("caught below");
    } catch (const std::runtime_error&) {
    }
  });
  INFO(report.to_string());
  CHECK(report.kind == check::FailureKind::Exception);
  CHECK_THAT(report.message, Catch::Contains("a channel at 0x"));
  CHECK_THAT(report.message, Catch::Contains("as an exception unwound fiber #0 main"));
}

TEST_CASE("Teardown: a deadlocked run unwinds an older fiber out of a younger one's channel",
          "[checker][teardown]") {
  auto report = check::explore(cooperative(5), [] {
    weft::Channel<int>* published = nullptr;
    weft::Semaphore never(0);
    auto owner = weft::spawn([&] {
      weft::Channel<int> ch(0);
      published = &ch;
      never.acquire();  // stuck, and so is main below: the run deadlocks
    });
    while (published == nullptr) weft::this_fiber::yield();
    (void)published->recv();
    owner.join();
  });
  INFO(report.to_string());
  CHECK(report.kind == check::FailureKind::Deadlock);
}

TEST_CASE("Teardown: outside the checker, destroying a primitive with waiters still aborts",
          "[teardown]") {
  auto child = weft_test::run_in_child([] {
    weft::run([] {
      auto* m = new weft::Mutex;
      m->lock();
      weft::spawn([m] { m->lock(); }, {.name = "stuck"}).detach();
      weft::this_fiber::yield();
      delete m;
    });
  });
  CHECK(child.died_of_signal());
  CHECK_THAT(child.err, Catch::Contains("a mutex at 0x"));
  CHECK_THAT(child.err, Catch::Contains("was destroyed while fibers still wait on it"));
  CHECK_THAT(child.err, Catch::Contains("fiber #"));
  CHECK_THAT(child.err, Catch::Contains("'stuck'"));
}
