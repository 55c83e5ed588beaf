// TCP over IPv4 and IPv6, Unix listeners and UDP, on every reactor: connect, accept,
// echo, port 0 with local_address, timeouts, a refused connection, bad addresses.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "net_support.hpp"

using namespace std::chrono_literals;
using net_test::bytes;
using net_test::run_on;
using net_test::text;

namespace {

// Echoes one connection until it ends.
void echo(weft::Stream& connection) {
  std::array<std::byte, 4096> buffer;
  while (std::size_t n = connection.read(buffer)) connection.write_all(std::span(buffer).first(n));
}

}  // namespace

TEST_CASE("tcp: clients talk to an echo server on loopback, IPv4 and IPv6", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  const std::string where = GENERATE("127.0.0.1:0", "[::1]:0");
  CAPTURE(reactor, where);
  run_on(reactor, [&] {
    weft::TcpListener listener;
    try {
      listener = weft::TcpListener::bind(weft::SocketAddress::parse(where));
    } catch (const std::system_error& e) {
      WARN("not run: cannot listen on " << where << ": " << e.what());  // no IPv6 here
      return;
    }
    const weft::SocketAddress address = listener.local_address();
    CHECK(address.port() != 0);
    constexpr int kClients = 8;
    auto server = weft::spawn([&] {
      std::vector<weft::JoinHandle<void>> connections;
      for (int i = 0; i < kClients; ++i)
        connections.push_back(weft::spawn([c = listener.accept(5s)]() mutable { echo(c); }));
      for (auto& c : connections) c.join();
    });
    std::vector<weft::JoinHandle<void>> clients;
    for (int i = 0; i < kClients; ++i)
      clients.push_back(weft::spawn([&, i] {
        weft::TcpStream s = weft::TcpStream::connect(address, 5s);
        s.set_nodelay(true);
        CHECK(s.peer_address().port() == address.port());
        for (int round = 0; round < 20; ++round) {
          const std::string message = "client " + std::to_string(i) + " round " + std::to_string(round);
          s.write_all(message);
          std::vector<std::byte> reply(message.size());
          REQUIRE(s.read_exact(reply, 5s));
          CHECK(text(reply) == message);
        }
        s.shutdown(weft::Shutdown::Write);
        std::array<std::byte, 1> rest;
        CHECK(s.read(rest, 5s) == 0);  // the server saw our end and closed
      }));
    for (auto& c : clients) c.join();
    server.join();
  });
}

TEST_CASE("tcp: accept and connect have timeouts; a closed port refuses", "[net]") {
  run_on("epoll", [] {
    auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
    try {
      listener.accept(10ms);
      FAIL("accept should have timed out");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::timed_out);
    }
    const weft::SocketAddress address = listener.local_address();
    listener.close();  // nobody listens there now
    try {
      weft::TcpStream::connect(address, 2s);
      FAIL("connect should have been refused");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::connection_refused);
      CHECK_THAT(e.what(), Catch::Contains(address.to_string()));
    }
  });
}

TEST_CASE("unix sockets: a listener by path, connected streams, the path removed on close", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  const std::string path = "/tmp/weft-net-test-" + std::to_string(::getpid()) + "-" + reactor + ".sock";
  run_on(reactor, [&] {
    auto listener = weft::UnixListener::bind(path);
    CHECK(::access(path.c_str(), F_OK) == 0);
    auto server = weft::spawn([&] {
      weft::UnixStream c = listener.accept(5s);
      echo(c);
    });
    weft::UnixStream client = weft::UnixStream::connect(path, 5s);
    client.write_all("over a path");
    std::array<std::byte, 11> reply;
    REQUIRE(client.read_exact(reply, 5s));
    CHECK(text(reply) == "over a path");
    client.close();
    server.join();
    listener.close();
    CHECK(::access(path.c_str(), F_OK) != 0);
  });
}

TEST_CASE("udp: datagrams between two sockets, with the sender's address", "[net]") {
  const std::string reactor = GENERATE("epoll", "poll", "select");
  CAPTURE(reactor);
  run_on(reactor, [] {
    auto a = weft::UdpSocket::bind(weft::SocketAddress::ipv4_loopback(0));
    auto b = weft::UdpSocket::bind(weft::SocketAddress::ipv4_loopback(0));
    auto receiver = weft::spawn([&] {
      std::array<std::byte, 64> buffer;
      auto [n, from] = b.receive_from(buffer, 5s);
      CHECK(text(std::span(buffer).first(n)) == "ping");
      CHECK(from.port() == a.local_address().port());
      b.send_to(bytes("pong"), from);
    });
    weft::this_fiber::sleep_for(2ms);  // the receiver parks first
    a.send_to(bytes("ping"), b.local_address());
    std::array<std::byte, 64> buffer;
    auto [n, from] = a.receive_from(buffer, 5s);
    CHECK(text(std::span(buffer).first(n)) == "pong");
    receiver.join();
    try {
      a.receive_from(buffer, 5ms);
      FAIL("receive_from should have timed out");
    } catch (const std::system_error& e) {
      CHECK(e.code() == std::errc::timed_out);
    }
  });
}

TEST_CASE("socket addresses parse, print, and refuse bad input clearly", "[net]") {
  CHECK(weft::SocketAddress::parse("127.0.0.1:8080").to_string() == "127.0.0.1:8080");
  CHECK(weft::SocketAddress::parse("[::1]:443").to_string() == "[::1]:443");
  CHECK(weft::SocketAddress::parse("[::1]:443").port() == 443);
  CHECK_THROWS_WITH(weft::SocketAddress::parse("localhost:80"), Catch::Contains("not an IPv4 address"));
  CHECK_THROWS_WITH(weft::SocketAddress::parse("127.0.0.1"), Catch::Contains("no port"));
  CHECK_THROWS_WITH(weft::SocketAddress::parse("127.0.0.1:70000"), Catch::Contains("0 to 65535"));
  CHECK_THROWS_WITH(weft::SocketAddress::parse("[::1:80"), Catch::Contains("bad socket address"));
  CHECK_THROWS_WITH(weft::SocketAddress::unix_path(std::string(200, 'p')), Catch::Contains("Unix socket path"));
}
