// TCP streams and listeners.
#include "weft/net/tcp.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "socket_ops.hpp"

namespace weft {

TcpStream TcpStream::connect(const SocketAddress& address, Deadline deadline) {
  FileDescriptor fd = net_detail::open_socket(address.family(), SOCK_STREAM);
  net_detail::connect_socket(fd, address, deadline);
  return TcpStream(std::move(fd));
}

SocketAddress TcpStream::local_address() const { return net_detail::local_address_of(fd()); }

SocketAddress TcpStream::peer_address() const { return net_detail::peer_address_of(fd()); }

void TcpStream::set_nodelay(bool on) {
  const int value = on ? 1 : 0;
  if (::setsockopt(fd().get(), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) != 0)
    net_detail::throw_errno(errno, "TCP_NODELAY");
}

TcpListener TcpListener::bind(const SocketAddress& address, int backlog) {
  TcpListener listener;
  listener.fd_ = net_detail::open_socket(address.family(), SOCK_STREAM);
  const int one = 1;
  if (::setsockopt(listener.fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0)
    net_detail::throw_errno(errno, "SO_REUSEADDR");
  net_detail::bind_socket(listener.fd_, address);
  net_detail::listen_socket(listener.fd_, backlog);
  return listener;
}

TcpStream TcpListener::accept(Deadline deadline) { return TcpStream(net_detail::accept_socket(fd_, deadline)); }

SocketAddress TcpListener::local_address() const { return net_detail::local_address_of(fd_); }

}  // namespace weft
