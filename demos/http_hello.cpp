// http_hello: a minimal HTTP/1.1 keep-alive server, a fiber per connection, answering
// every GET with a small fixed body, so that wrk or ab can drive it.
//
//   http_hello [--address 127.0.0.1] [--port 8080] [--reactor epoll|poll|select]
//              [--idle-timeout-ms 10000]
//   http_hello --check      serve on a free loopback port, put the server through its
//                           paces with a built-in client, print what it saw, exit
//
// Strict and bounded: a request head must fit 8 KiB (else 431 and close), a malformed
// request line or header gets 400 and close, a request with a body gets 413 and close,
// an idle connection is closed after the timeout. Memory per connection is one 8 KiB
// buffer; nothing a client sends can make it grow.
#include <signal.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <weft/weft.hpp>

#include "net_demo.hpp"

using namespace std::chrono_literals;

namespace {

constexpr std::size_t kHeadLimit = 8192;
constexpr std::string_view kHello =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world\n";

struct Flags {
  std::string address = "127.0.0.1";
  unsigned port = 8080;
  std::string reactor = "epoll";
  unsigned idle_timeout_ms = 10000;
  bool check = false;
};

constexpr demo::Cli kCli{"http_hello", "[--address IP] [--port N] [--reactor epoll|poll|select] [--idle-timeout-ms N] | --check"};

Flags parse_flags(int argc, char** argv) {
  Flags f;
  kCli.each_flag(
      argc, argv,
      [&](std::string_view flag, const char* value) {
        if (flag == "--check") f.check = true;
        else if (flag == "--address") f.address = value;
        else if (flag == "--port") f.port = kCli.number(flag, value, 0, 65535);
        else if (flag == "--reactor") f.reactor = value;
        else if (flag == "--idle-timeout-ms") f.idle_timeout_ms = kCli.number(flag, value, 1, 3600000);
        else return false;
        return true;
      },
      {"--check"});
  return f;
}

// ---- parsing a request head ------------------------------------------------------

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

struct Request {
  bool valid = false;
  int error_status = 400;  // when not valid
  bool keep_alive = true;
};

// Parses "METHOD SP TARGET SP HTTP/1.x CRLF (NAME: VALUE CRLF)* CRLF" (the head only).
Request parse_head(std::string_view head) {
  Request r;
  std::size_t eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const std::size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return r;
  const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                         version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty() || target.find(' ') != std::string_view::npos) return r;
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return r;
  r.keep_alive = version == "HTTP/1.1";
  std::size_t at = eol + 2;
  while (at < head.size()) {
    eol = head.find("\r\n", at);
    const std::string_view header = head.substr(at, eol - at);
    at = eol + 2;
    if (header.empty()) break;
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos || !is_token(header.substr(0, colon))) return r;
    const std::string_view name = header.substr(0, colon);
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) r.keep_alive = false;
      if (iequals(value, "keep-alive")) r.keep_alive = true;
    } else if ((iequals(name, "Content-Length") && value != "0") || iequals(name, "Transfer-Encoding")) {
      r.error_status = 413;  // this server takes no request bodies
      return r;
    }
  }
  r.valid = true;
  return r;
}

std::string error_response(int status) {
  const char* reason = status == 400 ? "Bad Request" : status == 413 ? "Content Too Large" : "Request Header Fields Too Large";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
}

// Atomic: the connections' fibers run on every worker at once.
struct Totals {
  std::atomic<std::uint64_t> connections = 0, requests = 0, rejected = 0, idle_closed = 0;
};

// Serves one connection: requests in order (pipelined ones too) until it closes.
void serve(weft::TcpStream connection, std::chrono::milliseconds idle_timeout, Totals& totals) {
  std::vector<char> buffer(kHeadLimit);
  std::size_t filled = 0;
  try {
    for (;;) {
      const std::string_view data(buffer.data(), filled);
      const std::size_t end = data.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        if (filled == buffer.size()) {  // a head that does not fit: refuse, close
          ++totals.rejected;
          connection.write_all(error_response(431), 1s);
          return;
        }
        const std::size_t n =
            connection.read(std::as_writable_bytes(std::span(buffer).subspan(filled)), idle_timeout);
        if (n == 0) return;
        filled += n;
        continue;
      }
      const Request request = parse_head(data.substr(0, end + 2));
      if (!request.valid) {
        ++totals.rejected;
        connection.write_all(error_response(request.error_status), 1s);
        return;
      }
      ++totals.requests;
      connection.write_all(kHello, idle_timeout);
      if (!request.keep_alive) return;
      const std::size_t used = end + 4;  // keep what follows: the next pipelined request
      std::memmove(buffer.data(), buffer.data() + used, filled - used);
      filled -= used;
    }
  } catch (const std::system_error& e) {
    if (e.code() == std::errc::timed_out) ++totals.idle_closed;
  }
}

// ---- the built-in check ------------------------------------------------------------

// Sends `request`, returns everything the server answered until it closed or `quiet`
// passed without a byte.
std::string exchange(const weft::SocketAddress& address, const std::string& request, std::chrono::milliseconds quiet) {
  weft::TcpStream s = weft::TcpStream::connect(address, 2s);
  try {
    s.write_all(request, 2s);
  } catch (const std::system_error&) {  // the server may close before reading it all
  }
  std::string reply;
  std::array<std::byte, 4096> block;
  try {
    while (std::size_t n = s.read(block, quiet)) reply.append(reinterpret_cast<const char*>(block.data()), n);
  } catch (const std::system_error&) {
  }
  return reply;
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

int run_check(const weft::SocketAddress& address) {
  struct Case {
    const char* what;
    std::string request;
    std::string expect;
    std::size_t times;
  };
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  std::vector<Case> cases = {
      {"keep-alive: 3 pipelined requests, 3 answers", get + get + get, "200 OK", 3},
      {"Connection: close ends after one answer", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n" + get, "200 OK", 1},
      {"a malformed request line gets 400", "GET/HTTP/1.1\r\n\r\n", "400 Bad Request", 1},
      {"a header without a colon gets 400", "GET / HTTP/1.1\r\nBroken header\r\n\r\n", "400 Bad Request", 1},
      {"a request with a body gets 413", "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", "413", 1},
      {"a 1 MB request line gets 431", "GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\r\n\r\n", "431", 1},
      {"an idle connection is closed after the timeout", "", "", 0},
  };
  int failures = 0;
  for (const Case& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    const std::string reply = exchange(address, c.request, 2s);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    const bool ok = c.times == 0 ? reply.empty() && ms < 1900ms : count(reply, c.expect) == c.times;
    std::printf("  %s %s (%lld ms)\n", ok ? "ok  " : "FAIL", c.what, static_cast<long long>(ms.count()));
    if (!ok) ++failures;
  }
  return failures;
}


}  // namespace

int main(int argc, char** argv) {
  Flags flags = parse_flags(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  weft::RuntimeOptions options = kCli.runtime_options(flags.reactor);
  if (flags.check) {
    flags.port = 0;
    flags.idle_timeout_ms = 300;
  }
  weft::FileDescriptor signals(demo::stop_signals_fd());
  Totals totals;
  int status = 0;
  weft::run(
      [&] {
        weft::TcpListener listener;
        if (!kCli.listen(listener, flags.address, flags.port)) {
          status = 1;
          return;
        }
        std::printf("http_hello: listening on http://%s/ (reactor %s)\n", listener.local_address().to_string().c_str(),
                    flags.reactor.c_str());
        std::fflush(stdout);
        demo::Acceptor acceptor;
        acceptor.start(
            listener,
            [&](const weft::TcpStream&) {
              ++totals.connections;
              return true;
            },
            [&](weft::TcpStream c) { serve(std::move(c), std::chrono::milliseconds(flags.idle_timeout_ms), totals); });
        if (flags.check)
          status = run_check(listener.local_address()) == 0 ? 0 : 1;
        else
          signals.wait_readable();  // SIGINT or SIGTERM
        acceptor.stop();
      },
      std::move(options));
  std::printf("http_hello: %llu connections, %llu requests answered, %llu rejected, %llu closed idle\n",
              static_cast<unsigned long long>(totals.connections), static_cast<unsigned long long>(totals.requests),
              static_cast<unsigned long long>(totals.rejected), static_cast<unsigned long long>(totals.idle_closed));
  return status;
}
