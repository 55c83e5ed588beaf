// Clients that misbehave and a process out of fds: what the I/O layer does about it.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "net_support.hpp"

using namespace std::chrono_literals;
using net_test::run_on;
using net_test::text;

TEST_CASE("faults: a client that disconnects mid-message ends read_exact with unexpected_eof", "[net][faults]") {
  run_on("epoll", [] {
    auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
    auto client = weft::spawn([&] {
      auto s = weft::TcpStream::connect(listener.local_address(), 2s);
      s.write_all("half a fra");  // of a 20-byte frame
    });
    weft::TcpStream c = listener.accept(2s);
    client.join();
    std::array<std::byte, 20> frame;
    try {
      c.read_exact(frame, 2s);
      FAIL("read_exact should have failed");
    } catch (const std::system_error& e) {
      CHECK(e.code() == weft::io_error::unexpected_eof);
    }
  });
}

TEST_CASE("faults: a half-closed client still gets its reply", "[net][faults]") {
  run_on("epoll", [] {
    auto [a, b] = weft::UnixStream::pair();
    a.write_all("question");
    a.shutdown(weft::Shutdown::Write);
    std::array<std::byte, 64> buffer;
    std::string got;
    while (std::size_t n = b.read(buffer, 2s)) got += text(std::span(buffer).first(n));
    CHECK(got == "question");
    b.write_all("answer");  // the other direction is still open
    CHECK(text(std::span(buffer).first(a.read(buffer, 2s))) == "answer");
  });
}

TEST_CASE("faults: a peer that never reads parks the writer; memory stays bounded", "[net][faults]") {
  run_on("epoll", [] {
    auto [a, b] = weft::UnixStream::pair();
    const std::vector<std::byte> block(1 << 16, std::byte{1});
    std::size_t written = 0;
    try {
      for (int i = 0; i < 1000; ++i) {  // 64 MiB if nothing pushed back
        a.write_all(block, 50ms);
        written += block.size();
      }
      FAIL("the writer should have been held back");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::timed_out);
    }
    CHECK(written < (8u << 20));  // what the kernel buffers, nothing more
  });
}

TEST_CASE("faults: a reset connection fails the reader with an error, not a crash", "[net][faults]") {
  run_on("epoll", [] {
    auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
    auto client = weft::spawn([&] {
      auto s = weft::TcpStream::connect(listener.local_address(), 2s);
      linger hard{1, 0};  // close with RST
      ::setsockopt(s.fd().get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      s.write_all("x");
    });
    weft::TcpStream c = listener.accept(2s);
    client.join();
    std::array<std::byte, 8> buffer;
    std::size_t total = 0;
    try {
      while (std::size_t n = c.read(buffer, 2s)) total += n;
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::connection_reset);
    }
    CHECK(total <= 1);
  });
}

TEST_CASE("faults: accept at EMFILE reports it; the pending connection is served after", "[net][faults]") {
  run_on("epoll", [] {
    auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
    auto client = weft::TcpStream::connect(listener.local_address(), 2s);
    rlimit limit{};
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
    std::vector<int> hogs;  // use up every fd
    for (int fd; (fd = ::dup(0)) >= 0;) hogs.push_back(fd);
    REQUIRE(errno == EMFILE);
    try {
      listener.accept(1s);
      FAIL("accept should have failed with EMFILE");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::too_many_files_open);
    }
    for (int fd : hogs) ::close(fd);
    weft::TcpStream served = listener.accept(1s);  // still there: nothing was lost
    client.write_all("still here");
    std::array<std::byte, 10> buffer;
    REQUIRE(served.read_exact(buffer, 2s));
    CHECK(text(buffer) == "still here");
  });
}
