// A byte stream over a non-blocking fd (a TCP or Unix connection, a pipe end). Every
// call parks the fiber, never the thread, and takes an optional Deadline (deadline.hpp).
//
// Errors throw std::system_error with the errno (std::errc::timed_out at the deadline;
// weft::io_error::unexpected_eof when a stream ends inside read_exact); weft::Cancelled
// when the fiber is cancelled while it waits. End of stream is not an error: read()
// returns 0, read_exact() returns false when the stream ends before its first byte.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <system_error>

#include "weft/net/deadline.hpp"
#include "weft/net/file_descriptor.hpp"

namespace weft {

// The errors of weft's I/O that have no errno.
enum class io_error { unexpected_eof = 1 };
const std::error_category& io_category() noexcept;
inline std::error_code make_error_code(io_error e) noexcept { return {static_cast<int>(e), io_category()}; }

enum class Shutdown { Read, Write, Both };

class Stream {
 public:
  Stream() noexcept = default;
  explicit Stream(FileDescriptor fd) noexcept : fd_(std::move(fd)) {}

  // Reads at least one byte (waiting for it), at most buffer.size(); 0 at end of stream.
  std::size_t read(std::span<std::byte> buffer, Deadline deadline = {});
  // Fills the whole buffer. False if the stream ended before the first byte.
  bool read_exact(std::span<std::byte> buffer, Deadline deadline = {});
  // Writes at least one byte (waiting for room), at most buffer.size().
  std::size_t write(std::span<const std::byte> buffer, Deadline deadline = {});
  // Writes the whole buffer.
  void write_all(std::span<const std::byte> buffer, Deadline deadline = {});
  void write_all(std::string_view text, Deadline deadline = {}) {
    write_all(std::as_bytes(std::span(text.data(), text.size())), deadline);
  }
  // Ends one or both directions of a socket (the peer then reads end of stream).
  void shutdown(Shutdown how);

  FileDescriptor& fd() noexcept { return fd_; }
  const FileDescriptor& fd() const noexcept { return fd_; }
  bool is_open() const noexcept { return fd_.is_open(); }
  void close() noexcept { fd_.close(); }

 private:
  FileDescriptor fd_;
};

// A pipe: bytes written to write_end come out of read_end.
struct Pipe {
  Stream read_end;
  Stream write_end;
};
Pipe make_pipe();

}  // namespace weft

template <>
struct std::is_error_code_enum<weft::io_error> : std::true_type {};
