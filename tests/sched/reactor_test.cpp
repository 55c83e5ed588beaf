// The reactor backends (epoll, poll, select), each through the same tests: readiness
// ends an fd wait, a timeout or a cancel ends it otherwise and takes the interest back,
// deregistering wakes the waiters, a reused fd number never sees the old fd's readiness,
// a busy worker still polls, and the idle wait is woken from other threads.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <weft/sched/io_wait.hpp>
#include <weft/weft.hpp>

#include "support/reactors.hpp"

using namespace std::chrono_literals;
using weft::sched::Interest;
using weft::sched::IoRegistration;
using test_support::run_on;
using weft::sched::IoWaitResult;

namespace {

// A non-blocking pipe, closed at the end of the scope.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
  void put(char c = 'x') const { REQUIRE(::write(write_end, &c, 1) == 1); }
  // Fills the pipe until a write would block.
  void fill() const {
    char block[4096] = {};
    while (::write(write_end, block, sizeof block) > 0) {
    }
  }
  void drain() const {
    char block[4096];
    while (::read(read_end, block, sizeof block) > 0) {
    }
  }
};

weft::sched::Reactor& reactor() { return weft::sched::Scheduler::current()->reactor(); }

}  // namespace

TEST_CASE("reactors: readiness ends an fd wait", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    CHECK(reactor().name() == name);
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    auto writer = weft::spawn([&] {
      weft::this_fiber::sleep_for(5ms);
      pipe.put();
    });
    CHECK(weft::sched::wait_io(r, Interest::Readable) == IoWaitResult::Ready);
    char c = 0;
    CHECK(::read(pipe.read_end, &c, 1) == 1);
    CHECK(c == 'x');
    CHECK_FALSE(reactor().has_armed());
    writer.join();
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: writability ends an fd wait", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  pipe.fill();
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.write_end);
    auto reader = weft::spawn([&] {
      weft::this_fiber::sleep_for(5ms);
      pipe.drain();
    });
    // The first wake-up may be the readiness seen at registration (edge-triggered
    // backends report the state once); a retry must then find room.
    for (int tries = 0; tries < 3; ++tries) {
      REQUIRE(weft::sched::wait_io(r, Interest::Writable) == IoWaitResult::Ready);
      char c = 'y';
      if (::write(pipe.write_end, &c, 1) == 1) break;
      REQUIRE(errno == EAGAIN);
    }
    reader.join();
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: a timeout ends an fd wait and takes the interest back", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    const auto start = std::chrono::steady_clock::now();
    CHECK(weft::sched::wait_io(r, Interest::Readable, weft::now() + 20ms) == IoWaitResult::Timeout);
    CHECK(std::chrono::steady_clock::now() - start >= 20ms);
    CHECK_FALSE(reactor().has_armed());
    // Readiness after the timeout is kept for the next wait, not lost.
    pipe.put();
    CHECK(weft::sched::wait_io(r, Interest::Readable, weft::now() + 5s) == IoWaitResult::Ready);
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: cancelling a fiber parked on an fd wakes it and removes its interest", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    auto waiter = weft::spawn([&] { return weft::sched::wait_io(r, Interest::Readable); });
    weft::this_fiber::sleep_for(5ms);
    CHECK(reactor().has_armed());
    waiter.cancel();
    CHECK(waiter.join() == IoWaitResult::Cancelled);
    CHECK_FALSE(reactor().has_armed());
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: deregistering an fd wakes its waiters with Closed", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    auto waiter = weft::spawn([&] { return weft::sched::wait_io(r, Interest::Readable); });
    weft::this_fiber::sleep_for(5ms);
    weft::sched::deregister_io(r);
    CHECK(waiter.join() == IoWaitResult::Closed);
    CHECK_FALSE(reactor().has_armed());
  });
}

TEST_CASE("reactors: a reused fd number never delivers the old fd's readiness", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  run_on(name, [&] {
    auto old_pipe = std::make_unique<Pipe>();
    const int number = old_pipe->read_end;
    IoRegistration& old_registration = weft::sched::register_io(number);
    old_pipe->put();  // readable, and nobody waits: an edge-triggered backend remembers it
    weft::this_fiber::yield();
    weft::sched::deregister_io(old_registration);
    old_pipe.reset();

    // The lowest free numbers are the old ones, unless another worker holds one for a
    // moment (it may list /proc/self/task): then try again.
    std::unique_ptr<Pipe> new_pipe;
    for (int attempt = 0; attempt < 200; ++attempt) {
      new_pipe = std::make_unique<Pipe>();
      if (new_pipe->read_end == number) break;
      new_pipe.reset();
      weft::this_fiber::sleep_for(1ms);
    }
    REQUIRE(new_pipe);
    IoRegistration& r = weft::sched::register_io(new_pipe->read_end);
    CHECK(weft::sched::wait_io(r, Interest::Readable, weft::now() + 20ms) == IoWaitResult::Timeout);
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: a thread's write wakes a runtime that sleeps in the reactor", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    std::jthread writer([&] {
      std::this_thread::sleep_for(10ms);
      pipe.put();
    });
    CHECK(weft::sched::wait_io(r, Interest::Readable, weft::now() + 10s) == IoWaitResult::Ready);
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: a busy worker still polls for readiness", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    std::atomic<bool> woken{false};
    auto waiter = weft::spawn([&] {
      CHECK(weft::sched::wait_io(r, Interest::Readable) == IoWaitResult::Ready);
      woken = true;
    });
    std::jthread writer([&] {
      std::this_thread::sleep_for(10ms);
      pipe.put();
    });
    // Never idle: without polling while busy the waiter would wake only after this loop.
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!woken && std::chrono::steady_clock::now() < give_up) weft::this_fiber::yield();
    CHECK(woken);
    waiter.join();
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("reactors: one fiber at a time waits per fd and direction", "[reactor]") {
  const std::string name = GENERATE("epoll", "poll", "select");
  CAPTURE(name);
  Pipe pipe;
  run_on(name, [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    auto first = weft::spawn([&] { return weft::sched::wait_io(r, Interest::Readable); });
    weft::this_fiber::yield();
    CHECK_THROWS_WITH(weft::sched::wait_io(r, Interest::Readable),
                      Catch::Contains("two fibers wait for fd"));
    pipe.put();
    CHECK(first.join() == IoWaitResult::Ready);
    weft::sched::deregister_io(r);
  });
}

TEST_CASE("the select reactor refuses an fd at or above FD_SETSIZE and names the way out", "[reactor]") {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  if (limit.rlim_max <= FD_SETSIZE + 8) {
    WARN("not run: the hard fd limit is too low to open an fd above FD_SETSIZE");
    return;
  }
  rlimit raised = limit;
  raised.rlim_cur = std::max<rlim_t>(limit.rlim_cur, FD_SETSIZE + 8);
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &raised) == 0);
  Pipe pipe;
  const int high = ::fcntl(pipe.read_end, F_DUPFD_CLOEXEC, FD_SETSIZE + 1);
  REQUIRE(high > FD_SETSIZE);
  run_on("select", [&] {
    CHECK_THROWS_WITH(weft::sched::register_io(high),
                      Catch::Contains("FD_SETSIZE (1024)") && Catch::Contains(std::to_string(high)) &&
                          Catch::Contains("epoll"));
  });
  run_on("poll", [&] { weft::sched::deregister_io(weft::sched::register_io(high)); });
  ::close(high);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

TEST_CASE("reactors are chosen by name, in the options or in WEFT_REACTOR", "[reactor]") {
  CHECK_THROWS_WITH(weft::sched::make_reactor("kqueue"),
                    Catch::Contains("unknown reactor 'kqueue'") && Catch::Contains("epoll, poll or select"));
  CHECK(std::string(weft::sched::make_default_reactor()->name()) == "epoll");
  ::setenv("WEFT_REACTOR", "poll", 1);
  CHECK(std::string(weft::sched::make_default_reactor()->name()) == "poll");
  ::setenv("WEFT_REACTOR", "iocp", 1);
  CHECK_THROWS_WITH(weft::sched::make_default_reactor(),
                    Catch::Contains("unknown reactor 'iocp'") && Catch::Contains("WEFT_REACTOR"));
  ::unsetenv("WEFT_REACTOR");
}

TEST_CASE("the epoll reactor registers an fd once and parks without epoll_ctl", "[reactor]") {
  Pipe pipe;
  run_on("epoll", [&] {
    IoRegistration& r = weft::sched::register_io(pipe.read_end);
    const auto before = reactor().stats();
    for (int i = 0; i < 10; ++i) {
      auto writer = weft::spawn([&] { pipe.put(); });
      CHECK(weft::sched::wait_io(r, Interest::Readable) == IoWaitResult::Ready);
      pipe.drain();
      writer.join();
    }
    CHECK(reactor().stats().control_calls == before.control_calls);
    CHECK(reactor().stats().readiness >= before.readiness);
    weft::sched::deregister_io(r);
  });
}
