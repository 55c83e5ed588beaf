// Bugs in code that talks over fds: the scenario opens its own socketpair or loopback
// connection, and the checker decides when each fd is ready (see
// sched/check/src/checked_reactor.hpp). Each bug beside its fix.
#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "weft/check.hpp"
#include "weft/net/tcp.hpp"
#include "weft/net/unix_socket.hpp"
#include "weft/weft.hpp"

namespace {

// --- a torn frame: two writers share a stream without a lock ----------------------------
// Any protocol that frames messages as a header then a body (HTTP/2, Redis, length-
// prefixed RPC) breaks when two fibers write frames to one connection and one frame's
// parts go out in two writes: the other writer's frame can land between them.

constexpr std::size_t kBody = 3;

void write_frame(weft::Stream& out, char tag) {
  const std::string header = {tag, static_cast<char>('0' + kBody)};
  out.write_all(header);
  out.write_all(std::string(kBody, tag));
}

// Reads two frames and checks that each body belongs to its header.
void read_frames(weft::Stream& in) {
  for (int frame = 0; frame < 2; ++frame) {
    std::array<char, 2> header{};
    WEFT_ASSERT(in.read_exact(std::as_writable_bytes(std::span(header))));
    std::array<char, kBody> body{};
    WEFT_ASSERT(in.read_exact(std::as_writable_bytes(std::span(body))));
    for (char c : body) WEFT_ASSERT(c == header[0]);  // else another frame's bytes
  }
}

WEFT_SCENARIO_MUST_FAIL(torn_frame, "two fibers write framed messages to one stream without a lock") {
  auto [writers_end, readers_end] = weft::UnixStream::pair();
  auto a = weft::spawn([&] { write_frame(writers_end, 'a'); }, {.name = "writer-a"});
  auto b = weft::spawn([&] { write_frame(writers_end, 'b'); }, {.name = "writer-b"});
  read_frames(readers_end);
  a.join();
  b.join();
}

WEFT_SCENARIO(torn_frame_fixed, "each writer holds a mutex around its whole frame") {
  auto [writers_end, readers_end] = weft::UnixStream::pair();
  weft::Mutex frame_lock;
  auto write_locked = [&](char tag) {
    std::lock_guard hold(frame_lock);
    write_frame(writers_end, tag);
  };
  auto a = weft::spawn([&] { write_locked('a'); }, {.name = "writer-a"});
  auto b = weft::spawn([&] { write_locked('b'); }, {.name = "writer-b"});
  read_frames(readers_end);
  a.join();
  b.join();
}

// --- a server that closes before its reply went out --------------------------------------
// A connection handler hands replies to the connection's writer fiber through a channel
// (so that slow clients never block the handler) and closes the connection when it is
// done -- before the writer took the last reply, on some schedules: the client reads end
// of stream instead of its reply. The fix closes the channel, waits for the writer to
// drain it, then closes the connection.

struct Connection {
  weft::TcpStream stream;
  weft::Channel<std::string> outbox{4};
  weft::JoinHandle<void> writer;

  explicit Connection(weft::TcpStream s) : stream(std::move(s)) {
    writer = weft::spawn(
        [this] {
          for (const std::string& reply : outbox) {
            if (!stream.is_open()) return;  // closed under us: the reply is lost
            stream.write_all(reply);
          }
        },
        {.name = "writer"});
  }
};

void handle_one_request(Connection& c) {
  std::array<char, 4> request{};
  if (!c.stream.read_exact(std::as_writable_bytes(std::span(request)))) return;
  c.outbox.send("pong");
}

void client_expects_pong(const weft::SocketAddress& server) {
  auto stream = weft::TcpStream::connect(server);
  stream.write_all("ping");
  std::array<char, 4> reply{};
  WEFT_ASSERT(stream.read_exact(std::as_writable_bytes(std::span(reply))));  // not end of stream
  WEFT_ASSERT(std::string(reply.data(), reply.size()) == "pong");
}

WEFT_SCENARIO_MUST_FAIL(close_before_reply, "the handler closes the connection before its writer sent the reply") {
  auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
  auto server = weft::spawn(
      [&] {
        Connection c(listener.accept());
        handle_one_request(c);
        c.stream.close();  // the writer may not have taken "pong" yet
        c.outbox.close();
        c.writer.join();
      },
      {.name = "server"});
  client_expects_pong(listener.local_address());
  server.join();
}

WEFT_SCENARIO(close_before_reply_fixed, "the handler lets the writer drain the channel, then closes") {
  auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
  auto server = weft::spawn(
      [&] {
        Connection c(listener.accept());
        handle_one_request(c);
        c.outbox.close();
        c.writer.join();  // every reply written
        c.stream.close();
      },
      {.name = "server"});
  client_expects_pong(listener.local_address());
  server.join();
}

}  // namespace
