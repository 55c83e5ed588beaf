// The socket calls TCP, Unix and UDP share: open, bind, listen, connect and accept
// without blocking the thread, addresses of a socket.
#pragma once

#include "weft/net/address.hpp"
#include "weft/net/deadline.hpp"
#include "weft/net/file_descriptor.hpp"

namespace weft::net_detail {

[[noreturn]] void throw_errno(int error, const std::string& what);

// errno of the calling thread, now. A fiber may resume on another kernel thread after
// it waited (M:N), and the compiler may keep the address of errno (its accessor is
// declared const) across that wait: code that reads errno after a wait in the same
// function reads it through this call, which it can neither inline nor merge.
__attribute__((noipa)) int errno_now() noexcept;

FileDescriptor open_socket(int family, int type);
void bind_socket(FileDescriptor& fd, const SocketAddress& address);
void listen_socket(FileDescriptor& fd, int backlog);
// Connects `fd`, parking until the connection is made or fails or the deadline passes.
void connect_socket(FileDescriptor& fd, const SocketAddress& address, Deadline deadline);
FileDescriptor accept_socket(FileDescriptor& listener, Deadline deadline);
SocketAddress local_address_of(const FileDescriptor& fd);
SocketAddress peer_address_of(const FileDescriptor& fd);

}  // namespace weft::net_detail
