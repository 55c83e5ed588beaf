// Parsing and printing socket addresses.
#include "weft/net/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>

#include "weft/errors.hpp"

namespace weft {

namespace {

[[noreturn]] void bad_address(std::string_view text, const char* why) {
  throw UsageError("weft: bad socket address '" + std::string(text) + "': " + why +
                   " (expected a.b.c.d:port or [ipv6]:port)");
}

std::uint16_t parse_port(std::string_view text, std::string_view port) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || error != std::errc() || end != port.data() + port.size() || value > 65535)
    bad_address(text, "the port is not a number from 0 to 65535");
  return static_cast<std::uint16_t>(value);
}

}  // namespace

SocketAddress::SocketAddress() noexcept { std::memset(&storage_, 0, sizeof storage_); }

SocketAddress SocketAddress::parse(std::string_view text) {
  SocketAddress a;
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) bad_address(text, "no port");
  std::string_view host = text.substr(0, colon);
  const std::uint16_t port = parse_port(text, text.substr(colon + 1));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string ip(host.substr(1, host.size() - 2));
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) != 1) bad_address(text, "not an IPv6 address");
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length_ = sizeof(sockaddr_in6);
    return a;
  }
  const std::string ip(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) != 1) bad_address(text, "not an IPv4 address");
  v4->sin_family = AF_INET;
  v4->sin_port = htons(port);
  a.length_ = sizeof(sockaddr_in);
  return a;
}

SocketAddress SocketAddress::ipv4_loopback(std::uint16_t port) {
  return parse("127.0.0.1:" + std::to_string(port));
}

SocketAddress SocketAddress::ipv6_loopback(std::uint16_t port) { return parse("[::1]:" + std::to_string(port)); }

SocketAddress SocketAddress::unix_path(std::string_view path) {
  SocketAddress a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.empty() || path.size() >= sizeof un->sun_path)
    throw UsageError("weft: a Unix socket path must have 1 to " + std::to_string(sizeof un->sun_path - 1) +
                     " bytes: '" + std::string(path) + "'");
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  a.length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return a;
}

SocketAddress SocketAddress::from_native(const sockaddr* address, socklen_t length) {
  SocketAddress a;
  if (length > sizeof a.storage_) length = sizeof a.storage_;
  std::memcpy(&a.storage_, address, length);
  a.length_ = length;
  return a;
}

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  char ip[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, ip, sizeof ip);
    return "[" + std::string(ip) + "]:" + std::to_string(port());
  }
  if (family() == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    return std::string(un->sun_path, strnlen(un->sun_path, sizeof un->sun_path));
  }
  return "(no address)";
}

}  // namespace weft
