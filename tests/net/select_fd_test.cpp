// fd readiness cases in weft::select, beside channel and deadline cases, on every reactor.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <string>

#include "net_support.hpp"

using namespace std::chrono_literals;
using net_test::run_on;
using net_test::text;

namespace {
bool armed() { return weft::sched::Scheduler::current()->reactor().has_armed(); }
}  // namespace

TEST_CASE("select: one wait over a channel and a socket fires whichever is ready", "[net][select]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto [a, b] = weft::UnixStream::pair();
    weft::Channel<int> numbers(1);
    // The number follows only once the text was read: with both ready the first select
    // could fire either (on several workers the selecting fiber may wake late).
    weft::Event text_read;
    auto feeder = weft::spawn([&] {
      weft::this_fiber::sleep_for(2ms);
      a.write_all("hello");
      text_read.wait();
      weft::this_fiber::sleep_for(2ms);
      return numbers.send(7);
    });
    std::string got;
    int number = 0;
    for (int round = 0; round < 2; ++round) {
      auto fired = weft::select(weft::on_recv(numbers, [&](int n) { number = n; }),
                                weft::on_readable(b.fd(), [&] {
                                  std::array<std::byte, 16> buffer;
                                  got += text(std::span(buffer).first(b.read(buffer)));
                                  text_read.set();
                                }),
                                weft::after(5s));
      CHECK(fired.index == (round == 0 ? 1u : 0u));
      CHECK(fired.status == weft::ChannelStatus::ok);
      CHECK_FALSE(armed());
    }
    CHECK(got == "hello");
    CHECK(number == 7);
    CHECK(feeder.join() == weft::ChannelStatus::ok);
  });
}

TEST_CASE("select: a deadline fires when the fd stays quiet, and the interest is gone", "[net][select]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto [a, b] = weft::UnixStream::pair();
    auto fired = weft::select(weft::on_readable(b.fd()), weft::after(10ms));
    CHECK(fired.index == 1);
    CHECK(fired.status == weft::ChannelStatus::timeout);
    CHECK_FALSE(armed());
  });
}

TEST_CASE("select: a raw fd is registered for the select only; writable cases work", "[net][select]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    weft::Pipe pipe = weft::make_pipe();
    const int raw = pipe.read_end.fd().get();
    auto writer = weft::spawn([&] {
      weft::this_fiber::sleep_for(2ms);
      pipe.write_end.write_all("z");
    });
    CHECK(weft::select(weft::after(5s), weft::on_readable(raw)).index == 1);
    CHECK(weft::select(weft::on_writable(pipe.write_end.fd()), weft::after(5s)).index == 0);
    writer.join();
    CHECK_FALSE(armed());
  });
}
