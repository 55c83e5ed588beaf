// epoll_echo: the hand-written peer of weft-bench's echo case, what a careful C++
// programmer writes without a runtime: one thread, non-blocking sockets, one
// edge-triggered epoll registration per connection (so a request in steady state costs
// its read, its write and its share of an epoll_wait, never an epoll_ctl), a buffer per
// connection, partial writes finished on EPOLLOUT before reading more (backpressure).
//
//   epoll_echo [--address 127.0.0.1] [--port 0]
//
// Prints "epoll_echo: listening on IP:PORT" first; on SIGINT or SIGTERM it prints its
// totals, with its epoll_wait and epoll_ctl calls, and exits 0. IPv4 only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kBufferBytes = 16384;   // as weft's echo_server
constexpr int kEventsPerWait = 256;

struct Totals {
  std::uint64_t connections = 0;
  std::uint64_t bytes = 0;
  std::uint64_t epoll_waits = 0;
  std::uint64_t epoll_ctls = 0;
};

// One client: bytes [begin, end) of `buffer` still have to be written back.
struct Connection {
  int fd = -1;
  std::size_t begin = 0;
  std::size_t end = 0;
  std::array<char, kBufferBytes> buffer;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "epoll_echo: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "epoll_echo: %s\nusage: epoll_echo [--address IPV4] [--port N]\n", problem.c_str());
  std::exit(2);
}

sockaddr_in parse_flags(int argc, char** argv) {
  std::string address = "127.0.0.1";
  unsigned long port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage("missing value for " + std::string(flag));
    const char* value = argv[++i];
    if (flag == "--address") {
      address = value;
    } else if (flag == "--port") {
      char* end = nullptr;
      port = std::strtoul(value, &end, 10);
      if (*value == '\0' || *end != '\0' || port > 65535)
        usage("--port wants a number from 0 to 65535, not '" + std::string(value) + "'");
    } else {
      usage("unknown flag " + std::string(flag));
    }
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &sin.sin_addr) != 1)
    usage("--address wants an IPv4 address, not '" + address + "'");
  return sin;
}

int listen_on(const sockaddr_in& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) die("bind");
  if (::listen(fd, SOMAXCONN) != 0) die("listen");
  return fd;
}

std::string local_address(int fd) {
  sockaddr_in sin{};
  socklen_t length = sizeof sin;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &length) != 0) die("getsockname");
  char ip[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof ip);
  return std::string(ip) + ":" + std::to_string(ntohs(sin.sin_port));
}

// SIGINT and SIGTERM, blocked for the process, arrive on this fd only.
int stop_signals_fd() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) die("sigprocmask");
  const int fd = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) die("signalfd");
  return fd;
}

class Server {
 public:
  Server(int listener, int signals) : listener_(listener), signals_(signals) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die("epoll_create1");
    watch(listener_, EPOLLIN | EPOLLET);
    watch(signals_, EPOLLIN);
  }

  // Serves until a stop signal; returns the totals.
  Totals run() {
    std::array<epoll_event, kEventsPerWait> events;
    for (;;) {
      ++totals_.epoll_waits;
      const int n = ::epoll_wait(epoll_, events.data(), kEventsPerWait, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        die("epoll_wait");
      }
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == signals_) return totals_;
        if (fd == listener_) {
          accept_all();
        } else if (Connection* c = connections_[static_cast<std::size_t>(fd)].get(); c && !echo(*c)) {
          close_connection(fd);
        }
      }
    }
  }

 private:
  void watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ++totals_.epoll_ctls;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  }

  // Edge-triggered: take every pending connection, or the next edge may never come.
  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno != EAGAIN) std::fprintf(stderr, "epoll_echo: accept: %s\n", std::strerror(errno));
        return;
      }
      ++totals_.connections;
      if (connections_.size() <= static_cast<std::size_t>(fd)) connections_.resize(static_cast<std::size_t>(fd) + 1);
      connections_[static_cast<std::size_t>(fd)] = std::make_unique<Connection>();
      connections_[static_cast<std::size_t>(fd)]->fd = fd;
      // Both directions at once, so a write that would block needs no second epoll_ctl.
      watch(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    }
  }

  enum class Flush { Done, Blocked, Failed };

  // Writes what is left of the last read; Blocked leaves the rest for EPOLLOUT.
  Flush flush(Connection& c) {
    while (c.begin < c.end) {
      const ssize_t n = ::send(c.fd, c.buffer.data() + c.begin, c.end - c.begin, MSG_NOSIGNAL);
      if (n > 0) {
        c.begin += static_cast<std::size_t>(n);
        totals_.bytes += static_cast<std::uint64_t>(n);
      } else if (errno == EAGAIN) {
        return Flush::Blocked;
      } else if (errno != EINTR) {
        return Flush::Failed;
      }
    }
    return Flush::Done;
  }

  // Echoes until the socket has nothing more to read (edge-triggered: drain it) or a
  // write blocks. Returns false when the connection is over.
  bool echo(Connection& c) {
    for (;;) {
      const Flush flushed = flush(c);
      if (flushed == Flush::Failed) return false;
      if (flushed == Flush::Blocked) return true;   // read no more until the reply is out
      const ssize_t n = ::read(c.fd, c.buffer.data(), c.buffer.size());
      if (n > 0) {
        c.begin = 0;
        c.end = static_cast<std::size_t>(n);
      } else if (n == 0) {
        return false;
      } else if (errno == EAGAIN) {
        return true;
      } else if (errno != EINTR) {
        return false;
      }
    }
  }

  // Closing the last descriptor of a socket takes it out of the epoll set.
  void close_connection(int fd) {
    ::close(fd);
    connections_[static_cast<std::size_t>(fd)].reset();
  }

  int listener_;
  int signals_;
  int epoll_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;   // by fd
  Totals totals_;
};

}  // namespace

int main(int argc, char** argv) {
  const sockaddr_in address = parse_flags(argc, argv);
  const int signals = stop_signals_fd();
  const int listener = listen_on(address);
  std::printf("epoll_echo: listening on %s\n", local_address(listener).c_str());
  std::fflush(stdout);
  const Totals totals = Server(listener, signals).run();
  std::printf("epoll_echo: %llu connections, %llu bytes echoed, %llu epoll_wait calls, %llu epoll_ctl calls\n",
              static_cast<unsigned long long>(totals.connections), static_cast<unsigned long long>(totals.bytes),
              static_cast<unsigned long long>(totals.epoll_waits), static_cast<unsigned long long>(totals.epoll_ctls));
  return 0;
}
