// Shared socket calls (see socket_ops.hpp).
#include "socket_ops.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "visible_io.hpp"

namespace weft::net_detail {

int errno_now() noexcept { return errno; }

void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), "weft: " + what);
}

FileDescriptor open_socket(int family, int type) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw_errno(errno, "socket");
  const bool tcp = type == SOCK_STREAM && (family == AF_INET || family == AF_INET6);
  return FileDescriptor(fd, {.socket = true, .short_read_drains = tcp});
}

void bind_socket(FileDescriptor& fd, const SocketAddress& address) {
  if (::bind(fd.get(), address.native(), address.native_length()) != 0)
    throw_errno(errno, "bind " + address.to_string());
}

void listen_socket(FileDescriptor& fd, int backlog) {
  if (::listen(fd.get(), backlog) != 0) throw_errno(errno, "listen");
}

void connect_socket(FileDescriptor& fd, const SocketAddress& address, Deadline deadline) {
  const std::string what = "connect " + address.to_string();
  before_send(&fd, fd.get());
  if (::connect(fd.get(), address.native(), address.native_length()) == 0) return;
  const int started = errno_now();
  if (started != EINPROGRESS && started != EAGAIN) throw_errno(started, what);
  // In progress: the socket becomes writable when the attempt ends; SO_ERROR says how.
  if (!fd.wait_writable(deadline.at())) throw_errno(ETIMEDOUT, what);
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) throw_errno(errno_now(), what);
  if (error != 0) throw_errno(error, what);
}

FileDescriptor accept_socket(FileDescriptor& listener, Deadline deadline) {
  before_receive(&listener, listener.get());
  for (;;) {
    const int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      after_receive();
      return FileDescriptor(fd, {.socket = true, .short_read_drains = listener.short_read_drains()});
    }
    const int error = errno_now();
    if (error == EINTR || error == ECONNABORTED) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) throw_errno(error, "accept");
    if (!listener.wait_readable(deadline.at())) throw_errno(ETIMEDOUT, "accept");
  }
}

SocketAddress local_address_of(const FileDescriptor& fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0)
    throw_errno(errno, "getsockname");
  return SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length);
}

SocketAddress peer_address_of(const FileDescriptor& fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&storage), &length) != 0)
    throw_errno(errno, "getpeername");
  return SocketAddress::from_native(reinterpret_cast<sockaddr*>(&storage), length);
}

}  // namespace weft::net_detail
