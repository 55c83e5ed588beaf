// Streams over pipes and Unix socket pairs on every reactor: reads wait for data, writes
// for room, end of stream, read_exact, timeouts, cancellation, closing under a waiter,
// and wait_readable / wait_writable on fds the caller owns.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <chrono>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "net_support.hpp"

using namespace std::chrono_literals;
using net_test::bytes;
using net_test::run_on;
using net_test::text;

TEST_CASE("streams: a read waits for the writer, then sees the bytes in order", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    weft::Pipe pipe = weft::make_pipe();
    auto writer = weft::spawn([&] {
      for (int i = 0; i < 100; ++i) {
        pipe.write_end.write_all(std::to_string(i) + ",");
        if (i % 10 == 0) weft::this_fiber::sleep_for(1ms);
      }
      pipe.write_end.close();
    });
    std::string received;
    std::array<std::byte, 7> buffer;
    while (std::size_t n = pipe.read_end.read(buffer)) received += text(std::span(buffer).first(n));
    std::string expected;
    for (int i = 0; i < 100; ++i) expected += std::to_string(i) + ",";
    CHECK(received == expected);
    writer.join();
  });
}

TEST_CASE("streams: a write waits for room when the pipe is full", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    weft::Pipe pipe = weft::make_pipe();
    const std::vector<std::byte> big(1 << 20, std::byte{0x5a});  // far more than a pipe holds
    auto writer = weft::spawn([&] {
      pipe.write_end.write_all(big);
      pipe.write_end.close();
    });
    std::vector<std::byte> got;
    std::vector<std::byte> buffer(65536);  // on the heap: a fiber stack is small
    while (std::size_t n = pipe.read_end.read(buffer)) got.insert(got.end(), buffer.begin(), buffer.begin() + n);
    CHECK(got == big);
    writer.join();
  });
}

TEST_CASE("streams: read_exact fills the buffer, reports a clean end and a torn one", "[net]") {
  run_on("epoll", [] {
    auto [a, b] = weft::UnixStream::pair();
    auto writer = weft::spawn([&] {
      a.write_all("abc");
      weft::this_fiber::sleep_for(2ms);
      a.write_all("def");
      a.write_all("gh");  // two bytes of a third frame of three, then the end
      a.close();
    });
    std::array<std::byte, 3> frame;
    REQUIRE(b.read_exact(frame));
    CHECK(text(frame) == "abc");
    REQUIRE(b.read_exact(frame));
    CHECK(text(frame) == "def");
    try {
      b.read_exact(frame);
      FAIL("a stream that ends inside read_exact must throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == weft::io_error::unexpected_eof);
    }
    CHECK_FALSE(b.read_exact(frame));  // ended before the first byte: not an error
    writer.join();
  });
}

TEST_CASE("streams: a read past its deadline throws timed_out and loses nothing", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto [a, b] = weft::UnixStream::pair();
    std::array<std::byte, 8> buffer;
    try {
      b.read(buffer, 10ms);
      FAIL("the read should have timed out");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::timed_out);
    }
    a.write_all("late");
    CHECK(text(std::span(buffer).first(b.read(buffer, 1s))) == "late");
  });
}

TEST_CASE("streams: cancelling a fiber parked in a read throws Cancelled in it", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto [a, b] = weft::UnixStream::pair();
    auto reader = weft::spawn([&] {
      std::array<std::byte, 8> buffer;
      CHECK_THROWS_AS(b.read(buffer), weft::Cancelled);
    });
    weft::this_fiber::sleep_for(2ms);
    CHECK(weft::sched::Scheduler::current()->reactor().has_armed());
    reader.cancel();
    reader.join();
    CHECK_FALSE(weft::sched::Scheduler::current()->reactor().has_armed());
  });
}

TEST_CASE("streams: closing a stream wakes the fiber parked on it with an error", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto [a, b] = weft::UnixStream::pair();
    auto reader = weft::spawn([&] {
      std::array<std::byte, 8> buffer;
      try {
        b.read(buffer);
        FAIL("the read should have failed");
      } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::bad_file_descriptor);
      }
    });
    weft::this_fiber::sleep_for(2ms);
    b.close();
    reader.join();
  });
}

TEST_CASE("streams: writing to a socket whose peer is gone fails with EPIPE, no signal", "[net]") {
  run_on("epoll", [] {
    auto [a, b] = weft::UnixStream::pair();
    b.close();
    try {
      for (int i = 0; i < 100; ++i) a.write_all("x");
      FAIL("the write should have failed");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::broken_pipe);
    }
  });
}

TEST_CASE("wait_readable and wait_writable work on any fd the caller owns", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    weft::Pipe pipe = weft::make_pipe();
    const int fd = pipe.read_end.fd().get();
    CHECK_FALSE(weft::wait_readable_for(fd, 5ms));
    auto writer = weft::spawn([&] {
      weft::this_fiber::sleep_for(2ms);
      pipe.write_end.write_all("!");
    });
    CHECK(weft::wait_readable(fd, weft::now() + 5s));
    CHECK(weft::wait_writable_for(pipe.write_end.fd().get(), 1s));
    writer.join();
    CHECK_FALSE(weft::sched::Scheduler::current()->reactor().has_armed());
  });
}

TEST_CASE("fd waits outside a fiber are refused", "[net]") {
  CHECK_THROWS_AS(weft::wait_readable(0), weft::UsageError);
}

TEST_CASE("a fiber parked on an fd shows its fd and direction in dump()", "[net]") {
  run_on("epoll", [] {
    auto [a, b] = weft::UnixStream::pair();
    auto reader = weft::spawn(
        [&] {
          std::array<std::byte, 8> buffer;
          return b.read(buffer);
        },
        {.name = "reader"});
    weft::this_fiber::sleep_for(2ms);
    std::ostringstream dump;
    weft::dump(dump);
    CHECK_THAT(dump.str(), Catch::Contains("reader") &&
                               Catch::Contains("fd " + std::to_string(b.fd().get()) + " readable"));
    a.write_all("x");
    CHECK(reader.join() == 1);
  });
}
