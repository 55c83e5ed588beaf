// Byte streams: the loops over read_some/write_some, shutdown, pipes.
#include "weft/net/stream.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace weft {

namespace {

class IoCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "weft.io"; }
  std::string message(int code) const override {
    if (code == static_cast<int>(io_error::unexpected_eof)) return "the stream ended in the middle of a read";
    return "weft.io error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& io_category() noexcept {
  static const IoCategory category;
  return category;
}

std::size_t Stream::read(std::span<std::byte> buffer, Deadline deadline) {
  return fd_.read_some(buffer, deadline.at());
}

bool Stream::read_exact(std::span<std::byte> buffer, Deadline deadline) {
  std::size_t done = 0;
  while (done < buffer.size()) {
    const std::size_t n = fd_.read_some(buffer.subspan(done), deadline.at());
    if (n == 0) {
      if (done == 0) return false;
      throw std::system_error(io_error::unexpected_eof, "weft: read_exact");
    }
    done += n;
  }
  return true;
}

std::size_t Stream::write(std::span<const std::byte> buffer, Deadline deadline) {
  return fd_.write_some(buffer, deadline.at());
}

void Stream::write_all(std::span<const std::byte> buffer, Deadline deadline) {
  std::size_t done = 0;
  while (done < buffer.size()) done += fd_.write_some(buffer.subspan(done), deadline.at());
}

void Stream::shutdown(Shutdown how) {
  const int native = how == Shutdown::Read ? SHUT_RD : how == Shutdown::Write ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(fd_.get(), native) != 0)
    throw std::system_error(errno, std::generic_category(), "weft: shutdown");
}

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "weft: pipe");
  const FileDescriptor::Known pipe_end{.socket = false, .short_read_drains = true};
  return Pipe{Stream(FileDescriptor(fds[0], pipe_end)), Stream(FileDescriptor(fds[1], pipe_end))};
}

}  // namespace weft
