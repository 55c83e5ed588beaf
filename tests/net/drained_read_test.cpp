// After a short read on a TCP socket or a pipe the next read waits for readiness instead
// of reading into EAGAIN: it must save that system call and never miss data, whether
// the data came before the read, was announced to a select or a wait of the caller's
// own, or is there when the deadline has passed already.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include "net_support.hpp"

using namespace std::chrono_literals;
using net_test::bytes;
using net_test::run_on;
using net_test::text;

namespace {

// Read system calls of this process so far (/proc/self/io), if the kernel counts them.
std::optional<long long> read_calls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value)
    if (key == "syscr:") return value;
  return std::nullopt;
}

struct TcpPair {
  weft::TcpStream client, server;
};

TcpPair tcp_pair() {
  auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
  auto accepted = weft::spawn([&] { return listener.accept(5s); });
  weft::TcpStream client = weft::TcpStream::connect(listener.local_address(), 5s);
  return {std::move(client), accepted.join()};
}

// `rounds` request/response exchanges of 8 bytes between a fiber on `a` and one on `b`,
// each reading into a larger buffer (so every read is short); checks every byte.
template <class StreamA, class StreamB>
void exchange(StreamA& a_out, StreamA& a_in, StreamB& b_out, StreamB& b_in, int rounds) {
  auto echo = weft::spawn([&] {
    std::array<std::byte, 64> buffer;
    for (int i = 0; i < rounds; ++i) {
      const std::size_t n = b_in.read(buffer);
      REQUIRE(n == 8);
      b_out.write_all(std::span(buffer).first(n));
    }
  });
  std::array<std::byte, 64> buffer;
  for (int i = 0; i < rounds; ++i) {
    char message[16];
    std::snprintf(message, sizeof message, "%08d", i);
    a_out.write_all(bytes(message));
    const std::size_t n = a_in.read(buffer);
    REQUIRE(text(std::span(buffer).first(n)) == message);
  }
  echo.join();
}

// A read that must find its bytes at once or when they come, not at the deadline: after
// the deadline a read still tries once, which would hide missed readiness.
template <class Readable>
std::size_t prompt_read(Readable& from, std::span<std::byte> buffer) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t n = from.read_some(buffer, weft::now() + 5s);
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  return n;
}

}  // namespace

TEST_CASE("drained reads: a request/response exchange costs one read per message", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  const std::string kind = GENERATE("tcp", "pipe");
  CAPTURE(reactor, kind);
  if (!read_calls()) {
    WARN("skipped: this kernel does not count read calls in /proc/self/io");
    return;
  }
  constexpr int kRounds = 300;
  // One worker: with two, a worker asleep in poll or select is woken through the
  // reactor's eventfd whenever the other arms an fd, and those reads count too.
  weft::RuntimeOptions options = test_support::with_reactor(reactor);
  options.workers = 1;
  weft::Runtime(options).run([&] {
    long long before = 0, after = 0;
    if (kind == "tcp") {
      TcpPair p = tcp_pair();
      before = *read_calls();
      exchange(p.client, p.client, p.server, p.server, kRounds);
      after = *read_calls();
    } else {
      weft::Pipe there = weft::make_pipe(), back = weft::make_pipe();
      before = *read_calls();
      exchange(there.write_end, back.read_end, back.write_end, there.read_end, kRounds);
      after = *read_calls();
    }
    // 2 * kRounds messages read. Reading into EAGAIN first would take twice as many
    // calls; a few more come from the reactor's wake-up fd.
    const long long calls = after - before;
    CAPTURE(calls);
    CHECK(calls <= 2 * kRounds * 5 / 4);
    CHECK(calls >= 2 * kRounds);
  });
}

TEST_CASE("drained reads: bytes written after a short read are read, on every reactor", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    TcpPair p = tcp_pair();
    std::array<std::byte, 16> buffer;
    p.client.write_all(bytes("one"));
    REQUIRE(p.server.read(buffer) == 3);  // short: drained
    p.client.write_all(bytes("two"));     // before the next read: its readiness is pending
    REQUIRE(prompt_read(p.server.fd(), buffer) == 3);
    CHECK(text(std::span(buffer).first(3)) == "two");
    auto late = weft::spawn([&] {
      weft::this_fiber::sleep_for(2ms);
      p.client.write_all(bytes("three"));
    });
    REQUIRE(prompt_read(p.server.fd(), buffer) == 5);  // parks until the write
    CHECK(text(std::span(buffer).first(5)) == "three");
    late.join();
  });
}

TEST_CASE("drained reads: a deadline that has passed still returns bytes that are there", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    weft::Pipe pipe = weft::make_pipe();
    std::array<std::byte, 16> buffer;
    pipe.write_end.write_all(bytes("a"));
    REQUIRE(pipe.read_end.read(buffer) == 1);
    pipe.write_end.write_all(bytes("bc"));
    REQUIRE(pipe.read_end.read(buffer, weft::now() - 1ms) == 2);
    CHECK(text(std::span(buffer).first(2)) == "bc");
    // Nothing there: the passed deadline is a timeout.
    REQUIRE_THROWS_AS(pipe.read_end.read(buffer, weft::now() - 1ms), std::system_error);
  });
}

TEST_CASE("drained reads: readiness taken by a select or a wait of the caller's own is not missed", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    TcpPair p = tcp_pair();
    std::array<std::byte, 16> buffer;
    p.client.write_all(bytes("x"));
    REQUIRE(p.server.read(buffer) == 1);  // drained
    auto writer = weft::spawn([&] {
      weft::this_fiber::sleep_for(2ms);
      p.client.write_all(bytes("yy"));
      weft::this_fiber::sleep_for(2ms);
      p.client.write_all(bytes("zzz"));
    });
    REQUIRE(p.server.fd().wait_readable(weft::now() + 5s));  // takes the readiness of "yy"
    REQUIRE(prompt_read(p.server.fd(), buffer) == 2);
    bool fired = false;
    weft::select(weft::on_readable(p.server.fd(), [&] { fired = true; }), weft::after(5s, [] {}));
    REQUIRE(fired);  // took the readiness of "zzz"
    REQUIRE(prompt_read(p.server.fd(), buffer) == 3);
    CHECK(text(std::span(buffer).first(3)) == "zzz");
    writer.join();
  });
}

TEST_CASE("drained reads: a short read of a datagram leaves the next one readable", "[net]") {
  run_on("epoll", [] {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
    weft::FileDescriptor a(fds[0]), b(fds[1]);
    REQUIRE(::send(a.get(), "1", 1, 0) == 1);
    REQUIRE(::send(a.get(), "22", 2, 0) == 2);
    std::array<std::byte, 16> buffer;
    REQUIRE(prompt_read(b, buffer) == 1);
    REQUIRE(prompt_read(b, buffer) == 2);  // no new readiness comes: it must read at once
  });
}

TEST_CASE("drained reads: the end of a stream that came with the last bytes is seen at once", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  const std::string kind = GENERATE("tcp", "pipe");
  CAPTURE(reactor, kind);
  run_on(reactor, [&] {
    std::array<std::byte, 16> buffer;
    // The reader parks first; the bytes and the end then arrive together, as one
    // readiness: after the short read that takes the bytes, nothing new will come.
    if (kind == "tcp") {
      TcpPair p = tcp_pair();
      auto writer = weft::spawn([&] {
        p.client.write_all(bytes("abc"));
        p.client.shutdown(weft::Shutdown::Write);
      });
      REQUIRE(prompt_read(p.server.fd(), buffer) == 3);
      CHECK(prompt_read(p.server.fd(), buffer) == 0);
      writer.join();
    } else {
      weft::Pipe pipe = weft::make_pipe();
      auto writer = weft::spawn([&] {
        pipe.write_end.write_all(bytes("abc"));
        pipe.write_end.close();
      });
      REQUIRE(prompt_read(pipe.read_end.fd(), buffer) == 3);
      CHECK(prompt_read(pipe.read_end.fd(), buffer) == 0);
      writer.join();
    }
  });
}

TEST_CASE("drained reads: the bytes after TCP urgent data are read at once", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [&] {
    TcpPair p = tcp_pair();
    std::array<std::byte, 16> buffer;
    // The reader parks first; then the bytes, an urgent byte and more bytes arrive
    // together. A read stops short at the urgent mark: the bytes after it are there
    // already, and no new readiness will announce them.
    auto writer = weft::spawn([&] {
      p.client.write_all(bytes("abc"));
      REQUIRE(::send(p.client.fd().get(), "!", 1, MSG_OOB) == 1);
      p.client.write_all(bytes("def"));
    });
    std::string got;
    while (got.size() < 6) {
      const std::size_t n = prompt_read(p.server.fd(), buffer);
      REQUIRE(n > 0);
      got += text(std::span(buffer).first(n));
    }
    CHECK(got == "abcdef");  // the urgent byte is out of band (no SO_OOBINLINE)
    writer.join();
  });
}

TEST_CASE("drained reads: TCP sockets and pipes drain on a short read; Unix and datagram sockets do not", "[net]") {
  run_on("epoll", [] {
    auto listener6 = weft::TcpListener::bind(weft::SocketAddress::parse("[::1]:0"));
    auto accepted6 = weft::spawn([&] { return listener6.accept(5s); });
    weft::TcpStream client6 = weft::TcpStream::connect(listener6.local_address(), 5s);
    CHECK(client6.fd().short_read_drains());
    CHECK(accepted6.join().fd().short_read_drains());
    TcpPair p = tcp_pair();
    CHECK(p.client.fd().short_read_drains());
    CHECK(p.server.fd().short_read_drains());
    weft::Pipe pipe = weft::make_pipe();
    CHECK(pipe.read_end.fd().short_read_drains());
    auto [a, b] = weft::UnixStream::pair();
    CHECK_FALSE(a.fd().short_read_drains());
    auto udp = weft::UdpSocket::bind(weft::SocketAddress::ipv4_loopback(0));
    CHECK_FALSE(udp.fd().short_read_drains());
    // An fd handed over by number is asked.
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    weft::FileDescriptor read_end(fds[0]), write_end(fds[1]);
    CHECK(read_end.short_read_drains());
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    weft::FileDescriptor unix_end(fds[0]), other_end(fds[1]);
    CHECK_FALSE(unix_end.short_read_drains());
  });
}
