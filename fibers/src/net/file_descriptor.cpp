// Owned non-blocking fds and the try-then-park loop of every read and write.
#include "weft/net/file_descriptor.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "weft/errors.hpp"
#include "weft/sched/io_wait.hpp"
#include "weft/sched/scheduler.hpp"
#include "weft/sched/spinlock.hpp"
#include "socket_ops.hpp"
#include "visible_io.hpp"

namespace weft {

namespace {

[[noreturn]] void throw_errno(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), std::string("weft: ") + what);
}

// A TCP socket: a short read drained it. (Not so for Unix stream sockets: a read stops
// early at passed fds or, with SO_PASSCRED, where the writer changes.)
bool is_tcp(int fd) noexcept {
  int protocol = 0;
  socklen_t length = sizeof protocol;
  return ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) == 0 && protocol == IPPROTO_TCP;
}

}  // namespace

FileDescriptor::FileDescriptor(int fd) : fd_(fd) {
  if (fd < 0) throw UsageError("weft::FileDescriptor: invalid file descriptor " + std::to_string(fd));
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    const int error = errno;
    fd_ = -1;
    throw_errno(error, "cannot make the fd non-blocking");
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) return;
  socket_ = S_ISSOCK(info.st_mode);
  byte_stream_ = S_ISFIFO(info.st_mode) || (socket_ && is_tcp(fd));
}

FileDescriptor::FileDescriptor(int fd, Known known) : fd_(fd), socket_(known.socket), byte_stream_(known.short_read_drains) {
  if (fd < 0) throw UsageError("weft::FileDescriptor: invalid file descriptor " + std::to_string(fd));
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      registration_(other.registration_.exchange(nullptr, std::memory_order_relaxed)),
      reactor_(other.reactor_.exchange(nullptr, std::memory_order_relaxed)),
      socket_(other.socket_),
      byte_stream_(other.byte_stream_),
      registration_shared_(other.registration_shared_.load(std::memory_order_relaxed)),
      drained_(other.drained_.load(std::memory_order_relaxed)) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    registration_.store(other.registration_.exchange(nullptr, std::memory_order_relaxed), std::memory_order_relaxed);
    reactor_.store(other.reactor_.exchange(nullptr, std::memory_order_relaxed), std::memory_order_relaxed);
    socket_ = other.socket_;
    byte_stream_ = other.byte_stream_;
    registration_shared_.store(other.registration_shared_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    drained_.store(other.drained_.load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  return *this;
}

FileDescriptor::~FileDescriptor() { close(); }

void FileDescriptor::forget_registration() noexcept {
  sched::IoRegistration* registration = registration_.exchange(nullptr, std::memory_order_acquire);
  sched::Reactor* reactor = reactor_.exchange(nullptr, std::memory_order_relaxed);
  if (registration == nullptr) return;
  // Only the runtime the fd was registered with may forget it; once that runtime has
  // ended its reactor (and the registration) are gone already.
  sched::Scheduler* scheduler = sched::Scheduler::current();
  if (scheduler != nullptr && &scheduler->reactor() == reactor) reactor->deregister(*registration);
}

void FileDescriptor::close() noexcept {
  if (fd_ < 0) return;
  forget_registration();
  ::close(fd_);
  fd_ = -1;
}

int FileDescriptor::release() noexcept {
  forget_registration();
  return std::exchange(fd_, -1);
}

sched::IoRegistration& FileDescriptor::registration() {
  sched::IoRegistration& registration = own_registration();
  registration_shared_.store(true, std::memory_order_relaxed);  // others' waits may take readiness now
  drained_.store(false, std::memory_order_relaxed);
  return registration;
}

sched::IoRegistration& FileDescriptor::own_registration() {
  if (fd_ < 0) throw UsageError("weft: wait on a closed FileDescriptor");
  sched::Reactor& reactor = sched::io_reactor("weft::FileDescriptor");
  sched::IoRegistration* registration = registration_.load(std::memory_order_acquire);
  if (registration == nullptr) {
    // The first wait: one fiber registers while any other (on another worker) spins
    // for the few microseconds that takes (registering never parks a fiber).
    while (registering_.exchange(true, std::memory_order_acquire)) sched::detail::spin_pause();
    struct Done {
      std::atomic<bool>& registering;
      ~Done() { registering.store(false, std::memory_order_release); }
    } done{registering_};
    registration = registration_.load(std::memory_order_acquire);
    if (registration == nullptr) {
      registration = &sched::register_io(fd_, "weft::FileDescriptor");
      reactor_.store(&reactor, std::memory_order_relaxed);
      registration_.store(registration, std::memory_order_release);
    }
  }
  if (reactor_.load(std::memory_order_relaxed) != &reactor)
    throw UsageError("weft: fd " + std::to_string(fd_) + " is registered with another runtime's reactor");
  return *registration;
}

bool FileDescriptor::wait(sched::Interest interest, std::optional<TimePoint> deadline) {
  return wait_on(own_registration(), interest, deadline);
}

bool FileDescriptor::wait_on(sched::IoRegistration& registration, sched::Interest interest,
                             std::optional<TimePoint> deadline) {
  switch (sched::wait_io(registration, interest, deadline)) {
    case sched::IoWaitResult::Ready: return true;
    case sched::IoWaitResult::Timeout: return false;
    case sched::IoWaitResult::Cancelled: throw Cancelled();
    case sched::IoWaitResult::Closed: break;
  }
  throw_errno(EBADF, "the fd was closed while a fiber waited on it");
}

bool FileDescriptor::wait_readable(std::optional<TimePoint> deadline) {
  drained_.store(false, std::memory_order_relaxed);  // the caller reads next: let it try
  return wait(sched::Interest::Readable, deadline);
}

bool FileDescriptor::wait_writable(std::optional<TimePoint> deadline) {
  return wait(sched::Interest::Writable, deadline);
}

std::size_t FileDescriptor::read_some(std::span<std::byte> buffer, std::optional<TimePoint> deadline) {
  net_detail::before_receive(this, fd_);
  // After a short read the fd was empty: wait for new readiness rather than read into
  // EAGAIN. At the deadline the read is still tried once: data may be there whose
  // readiness the reactor has not collected yet.
  bool timed_out = false;
  if (drained_.load(std::memory_order_relaxed)) {
    drained_.store(false, std::memory_order_relaxed);
    sched::IoRegistration& registration = own_registration();
    if (reactor_.load(std::memory_order_relaxed)->wait_after_drain(registration))
      timed_out = !wait_on(registration, sched::Interest::Readable, deadline);
  }
  for (;;) {
    const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
    if (n >= 0) {
      net_detail::after_receive();
      const auto got = static_cast<std::size_t>(n);
      if (got > 0 && got < buffer.size() && byte_stream_ && !registration_shared_.load(std::memory_order_relaxed))
        drained_.store(true, std::memory_order_relaxed);
      return got;
    }
    const int error = net_detail::errno_now();
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) throw_errno(error, "read");
    if (timed_out || !wait(sched::Interest::Readable, deadline)) throw_errno(ETIMEDOUT, "read timed out");
  }
}

std::size_t FileDescriptor::write_some(std::span<const std::byte> buffer, std::optional<TimePoint> deadline) {
  net_detail::before_send(this, fd_);
  for (;;) {
    // A socket whose peer is gone fails with EPIPE instead of raising SIGPIPE.
    const ssize_t n = socket_ ? ::send(fd_, buffer.data(), buffer.size(), MSG_NOSIGNAL)
                              : ::write(fd_, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    const int error = net_detail::errno_now();
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) throw_errno(error, "write");
    if (!wait(sched::Interest::Writable, deadline)) throw_errno(ETIMEDOUT, "write timed out");
  }
}

}  // namespace weft
