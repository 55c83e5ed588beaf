// TCP over IPv4 and IPv6.
//
//   auto listener = weft::TcpListener::bind(weft::SocketAddress::parse("127.0.0.1:0"));
//   auto port = listener.local_address().port();          // port 0: the kernel chose
//   weft::spawn([&] { auto client = weft::TcpStream::connect(listener.local_address(), 2s); });
//   weft::TcpStream connection = listener.accept();
//
// Errors as in stream.hpp: std::system_error (errc::timed_out at a deadline).
#pragma once

#include "weft/net/address.hpp"
#include "weft/net/stream.hpp"

namespace weft {

class TcpStream : public Stream {
 public:
  TcpStream() noexcept = default;
  explicit TcpStream(FileDescriptor fd) noexcept : Stream(std::move(fd)) {}
  // Connects, waiting at most until the deadline.
  static TcpStream connect(const SocketAddress& address, Deadline deadline = {});

  SocketAddress local_address() const;
  SocketAddress peer_address() const;
  // TCP_NODELAY: send small writes at once instead of coalescing them.
  void set_nodelay(bool on);
};

class TcpListener {
 public:
  TcpListener() noexcept = default;
  // Binds (with SO_REUSEADDR) and listens.
  static TcpListener bind(const SocketAddress& address, int backlog = 128);

  // Waits for a connection. Throws std::system_error: errc::timed_out at the deadline,
  // and e.g. EMFILE when the process is out of fds (a server should back off and retry).
  TcpStream accept(Deadline deadline = {});
  SocketAddress local_address() const;

  FileDescriptor& fd() noexcept { return fd_; }
  void close() noexcept { fd_.close(); }

 private:
  FileDescriptor fd_;
};

}  // namespace weft
