// UDP datagrams over IPv4 and IPv6.
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include "weft/net/address.hpp"
#include "weft/net/deadline.hpp"
#include "weft/net/file_descriptor.hpp"

namespace weft {

class UdpSocket {
 public:
  UdpSocket() noexcept = default;
  static UdpSocket bind(const SocketAddress& address);

  // Sends one datagram (waiting for buffer room).
  void send_to(std::span<const std::byte> datagram, const SocketAddress& to, Deadline deadline = {});
  // Receives one datagram into `buffer` (a longer one is truncated); its size and sender.
  std::pair<std::size_t, SocketAddress> receive_from(std::span<std::byte> buffer, Deadline deadline = {});

  SocketAddress local_address() const;
  FileDescriptor& fd() noexcept { return fd_; }
  void close() noexcept { fd_.close(); }

 private:
  FileDescriptor fd_;
};

}  // namespace weft
