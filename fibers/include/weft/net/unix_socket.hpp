// Unix-domain stream sockets: by path, or a connected pair.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "weft/net/address.hpp"
#include "weft/net/stream.hpp"

namespace weft {

class UnixStream : public Stream {
 public:
  UnixStream() noexcept = default;
  explicit UnixStream(FileDescriptor fd) noexcept : Stream(std::move(fd)) {}
  static UnixStream connect(std::string_view path, Deadline deadline = {});
  // Two connected streams (socketpair).
  static std::pair<UnixStream, UnixStream> pair();
};

class UnixListener {
 public:
  UnixListener() noexcept = default;
  UnixListener(UnixListener&& other) noexcept;
  UnixListener& operator=(UnixListener&& other) noexcept;
  ~UnixListener();
  // Binds to `path` (which must not exist) and listens; the path is removed on close.
  static UnixListener bind(std::string_view path, int backlog = 128);

  UnixStream accept(Deadline deadline = {});
  const std::string& path() const noexcept { return path_; }
  void close() noexcept;

 private:
  FileDescriptor fd_;
  std::string path_;
};

}  // namespace weft
