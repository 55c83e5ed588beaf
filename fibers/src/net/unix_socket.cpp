// Unix-domain stream sockets.
#include "weft/net/unix_socket.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "socket_ops.hpp"

namespace weft {

UnixStream UnixStream::connect(std::string_view path, Deadline deadline) {
  FileDescriptor fd = net_detail::open_socket(AF_UNIX, SOCK_STREAM);
  net_detail::connect_socket(fd, SocketAddress::unix_path(path), deadline);
  return UnixStream(std::move(fd));
}

std::pair<UnixStream, UnixStream> UnixStream::pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
    net_detail::throw_errno(errno, "socketpair");
  const FileDescriptor::Known end{.socket = true, .short_read_drains = false};
  return {UnixStream(FileDescriptor(fds[0], end)), UnixStream(FileDescriptor(fds[1], end))};
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})) {}

UnixListener& UnixListener::operator=(UnixListener&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::move(other.fd_);
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

UnixListener::~UnixListener() { close(); }

UnixListener UnixListener::bind(std::string_view path, int backlog) {
  const SocketAddress address = SocketAddress::unix_path(path);
  UnixListener listener;
  listener.fd_ = net_detail::open_socket(AF_UNIX, SOCK_STREAM);
  net_detail::bind_socket(listener.fd_, address);
  listener.path_ = std::string(path);  // ours to remove from here on
  net_detail::listen_socket(listener.fd_, backlog);
  return listener;
}

UnixStream UnixListener::accept(Deadline deadline) { return UnixStream(net_detail::accept_socket(fd_, deadline)); }

void UnixListener::close() noexcept {
  fd_.close();
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace weft
