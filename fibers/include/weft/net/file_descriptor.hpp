// An owned, non-blocking file descriptor whose reads and writes park the calling fiber
// instead of blocking its kernel thread: the core of every socket and pipe type here.
//
// Errors: every failing call throws std::system_error with the errno (a timeout:
// std::errc::timed_out); weft::Cancelled when the fiber is cancelled while it waits.
// End of stream is not an error: read_some() returns 0.
//
// The fd is registered with the reactor of the runtime that first waits on it, once for
// its whole life (the fast path tries the call first and parks only on EAGAIN). Close it
// (or let it be destroyed) inside that runtime or after the runtime ended.
//
// On a TCP socket or a pipe a read that returned less than asked for drained the fd, so
// the next read_some() waits for readiness first instead of trying a read that would
// fail with EAGAIN (one system call less per message in a request/response exchange).
// Data that arrives after the drain always raises new readiness, so nothing is missed
// (a socket that has seen TCP urgent data or the end of its read side always tries its
// reads: a read stops short at the urgent mark, with the bytes after it already there).
// Once registration() was handed out (a select case, a wait of the
// caller's own) readiness may be consumed elsewhere: reads then always try first.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <span>

#include "weft/time.hpp"

namespace weft::sched {
struct IoRegistration;
class Reactor;
enum class Interest : std::uint8_t;
}  // namespace weft::sched

namespace weft {

class FileDescriptor {
 public:
  FileDescriptor() noexcept = default;
  // Takes ownership of `fd` and makes it non-blocking.
  explicit FileDescriptor(int fd);
  FileDescriptor(FileDescriptor&& other) noexcept;
  FileDescriptor& operator=(FileDescriptor&& other) noexcept;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  // Takes ownership of an fd the caller made non-blocking (SOCK_NONBLOCK, O_NONBLOCK)
  // and knows, without the system calls the constructor above makes to find out.
  struct Known {
    bool socket;             // writes use send(MSG_NOSIGNAL)
    bool short_read_drains;  // a TCP socket or a pipe (see above)
  };
  FileDescriptor(int fd, Known known);

  int get() const noexcept { return fd_; }
  // True for a TCP socket or a pipe: a read that returned less than asked for emptied it.
  bool short_read_drains() const noexcept { return byte_stream_; }
  bool is_open() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return is_open(); }

  // Reads what is there (at least one byte), waiting until something is; 0 at end of
  // stream. Throws std::system_error (errc::timed_out at the deadline).
  std::size_t read_some(std::span<std::byte> buffer, std::optional<TimePoint> deadline = std::nullopt);
  // Writes what fits (at least one byte), waiting until something does.
  std::size_t write_some(std::span<const std::byte> buffer, std::optional<TimePoint> deadline = std::nullopt);

  // Parks until the fd is ready (true) or the deadline passed (false).
  bool wait_readable(std::optional<TimePoint> deadline = std::nullopt);
  bool wait_writable(std::optional<TimePoint> deadline = std::nullopt);

  // The fd's registration with the calling fiber's reactor, made on first use (for
  // select cases and other waits built on sched::wait_io).
  sched::IoRegistration& registration();

  // Forgets the fd in the reactor (waking its waiters with an error) and closes it.
  void close() noexcept;
  // Gives the fd up without closing it.
  int release() noexcept;

 private:
  bool wait(sched::Interest interest, std::optional<TimePoint> deadline);
  bool wait_on(sched::IoRegistration& registration, sched::Interest interest, std::optional<TimePoint> deadline);
  sched::IoRegistration& own_registration();
  void forget_registration() noexcept;

  int fd_ = -1;
  // Made by the first wait, which fibers on two workers may reach at once (a reader and
  // a writer): `registering_` lets one of them register.
  std::atomic<sched::IoRegistration*> registration_{nullptr};
  std::atomic<sched::Reactor*> reactor_{nullptr};  // the reactor registration_ belongs to
  std::atomic<bool> registering_{false};
  bool socket_ = false;                // writes use send(MSG_NOSIGNAL)
  bool byte_stream_ = false;           // a short read means drained (see above)
  // Atomic only because fibers on different workers may use one fd at once (a reader,
  // a select); relaxed: they are hints.
  std::atomic<bool> registration_shared_{false};  // registration() was handed out
  std::atomic<bool> drained_{false};  // the last read_some() was short: the next waits first
};

}  // namespace weft
