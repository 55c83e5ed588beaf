// UDP sockets.
#include "weft/net/udp.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "socket_ops.hpp"
#include "visible_io.hpp"

namespace weft {

UdpSocket UdpSocket::bind(const SocketAddress& address) {
  UdpSocket socket;
  socket.fd_ = net_detail::open_socket(address.family(), SOCK_DGRAM);
  net_detail::bind_socket(socket.fd_, address);
  return socket;
}

void UdpSocket::send_to(std::span<const std::byte> datagram, const SocketAddress& to, Deadline deadline) {
  net_detail::before_send(&fd_, fd_.get());
  for (;;) {
    if (::sendto(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, to.native(), to.native_length()) >= 0)
      return;
    const int error = net_detail::errno_now();
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) net_detail::throw_errno(error, "sendto " + to.to_string());
    if (!fd_.wait_writable(deadline.at())) net_detail::throw_errno(ETIMEDOUT, "sendto " + to.to_string());
  }
}

std::pair<std::size_t, SocketAddress> UdpSocket::receive_from(std::span<std::byte> buffer, Deadline deadline) {
  net_detail::before_receive(&fd_, fd_.get());
  for (;;) {
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
    if (n >= 0) {
      net_detail::after_receive();
      return {static_cast<std::size_t>(n), SocketAddress::from_native(reinterpret_cast<sockaddr*>(&from), length)};
    }
    const int error = net_detail::errno_now();
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) net_detail::throw_errno(error, "recvfrom");
    if (!fd_.wait_readable(deadline.at())) net_detail::throw_errno(ETIMEDOUT, "recvfrom");
  }
}

SocketAddress UdpSocket::local_address() const { return net_detail::local_address_of(fd_); }

}  // namespace weft
