// Socket addresses: IPv4, IPv6 and Unix-domain paths.
//
//   auto a = weft::SocketAddress::parse("127.0.0.1:8080");
//   auto b = weft::SocketAddress::parse("[::1]:0");     // port 0: the kernel picks one
//   auto c = weft::SocketAddress::unix_path("/tmp/app.sock");
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace weft {

class SocketAddress {
 public:
  SocketAddress() noexcept;
  // "a.b.c.d:port" or "[ipv6]:port" (numeric only). Throws UsageError naming the input.
  static SocketAddress parse(std::string_view text);
  static SocketAddress ipv4_loopback(std::uint16_t port);
  static SocketAddress ipv6_loopback(std::uint16_t port);
  // Throws UsageError if the path does not fit a sockaddr_un.
  static SocketAddress unix_path(std::string_view path);
  // From what the kernel filled in (getsockname, accept, recvfrom).
  static SocketAddress from_native(const sockaddr* address, socklen_t length);

  int family() const noexcept { return storage_.ss_family; }
  std::uint16_t port() const noexcept;  // 0 for Unix paths
  std::string to_string() const;        // the form parse() reads; the path for Unix

  const sockaddr* native() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t native_length() const noexcept { return length_; }

 private:
  sockaddr_storage storage_;
  socklen_t length_ = 0;
};

}  // namespace weft
