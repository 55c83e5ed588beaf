// Fd I/O under the checker: readiness decided at scheduling decisions, timeouts on the
// virtual clock, deadlocks that name the fds, exact replay, and the I/O scenarios of
// tools/scenarios/io_bugs.cpp found and their fixes passed.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <set>
#include <string>
#include <system_error>

#include "support/checker_options.hpp"
#include "weft/check.hpp"
#include "weft/net/fd_wait.hpp"
#include "weft/net/stream.hpp"
#include "weft/net/tcp.hpp"
#include "weft/net/unix_socket.hpp"
#include "weft/weft.hpp"

namespace check = weft::check;
using namespace std::chrono_literals;

namespace {

check::Report explore(const char* name, std::size_t iterations = 2000) {
  const check::Scenario* s = check::find_scenario(name);
  REQUIRE(s != nullptr);
  check::Options o = weft_test::quiet(check::Portfolio{}, iterations);
  o.name = name;
  return check::explore(o, s->body);
}

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (::readdir(dir) != nullptr) ++n;
  ::closedir(dir);
  return n;
}

std::span<std::byte> bytes(std::array<char, 1>& one) { return std::as_writable_bytes(std::span(one)); }

}  // namespace

TEST_CASE("a torn frame is found, replays identically and its fix passes", "[checker][io]") {
  const check::Report report = explore("torn_frame");
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Assertion);
  CHECK(report.message.find("c == header[0]") != std::string::npos);
  CHECK(report.to_string().find("io                 'fd ") != std::string::npos);  // fds by number
  const check::Scenario& s = *check::find_scenario("torn_frame");
  std::set<std::uint64_t> hashes;
  for (int i = 0; i < 20; ++i) {
    const check::Report again = check::replay(report.shrunk_schedule, s.body);
    CHECK(again.kind == report.kind);
    hashes.insert(check::trace_hash(again.trace));
  }
  CHECK(hashes.size() == 1);
  CHECK(check::deterministic(report.shrunk_schedule, s.body));
  const check::Report fixed = explore("torn_frame_fixed");
  INFO(fixed.to_string());
  CHECK(fixed.ok());
}

TEST_CASE("a server that closes before its reply went out is found; its fix passes", "[checker][io]") {
  const check::Report report = explore("close_before_reply");
  INFO(report.to_string());
  REQUIRE_FALSE(report.ok());
  CHECK(check::deterministic(report.shrunk_schedule, check::find_scenario("close_before_reply")->body));
  const check::Report fixed = explore("close_before_reply_fixed");
  INFO(fixed.to_string());
  CHECK(fixed.ok());
}

TEST_CASE("fibers waiting on fds nobody can make ready are a deadlock naming the fds", "[checker][io]") {
  check::Options o = weft_test::quiet(check::Random{}, 50);
  int first_fd = -1;
  const check::Report report = check::explore(o, [&] {
    // Each side reads before it writes: neither fd ever becomes readable.
    auto [left, right] = weft::UnixStream::pair();
    first_fd = left.fd().get();
    auto peer = weft::spawn(
        [&] {
          std::array<char, 1> one{};
          (void)right.read(bytes(one));
          right.write_all("x");
        },
        {.name = "right-reader"});
    std::array<char, 1> one{};
    (void)left.read(bytes(one));
    left.write_all("x");
    peer.join();
  });
  INFO(report.to_string());
  REQUIRE(report.kind == check::FailureKind::Deadlock);
  CHECK(report.message.find("fd " + std::to_string(first_fd) + " readable") != std::string::npos);
  CHECK(report.message.find("right-reader waits on") != std::string::npos);
}

TEST_CASE("fd timeouts run on the virtual clock", "[checker][io]") {
  check::Options o = weft_test::quiet(check::Random{}, 200);
  int timeouts = 0;
  const auto started = std::chrono::steady_clock::now();
  const check::Report report = check::explore(o, [&] {
    auto [quiet_end, other_end] = weft::UnixStream::pair();
    std::array<char, 1> one{};
    try {
      (void)quiet_end.read(bytes(one), 10s);  // nobody writes
    } catch (const std::system_error& e) {
      if (e.code() == std::errc::timed_out) ++timeouts;
    }
    WEFT_ASSERT(weft::now().time_since_epoch() >= 10s);
  });
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(timeouts == 200);
  // 200 runs that each wait ten seconds: in virtual time, so well under a second.
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("a wait on an fd that is ready already ends at the next decision", "[checker][io]") {
  check::Options o = weft_test::quiet(check::Random{}, 300);
  int ready = 0;
  const check::Report report = check::explore(o, [&] {
    weft::Pipe pipe = weft::make_pipe();
    pipe.write_end.write_all("x");
    // The raw-fd wait registers, arms and parks; the fd is readable before it parks.
    if (weft::wait_readable(pipe.read_end.fd().get())) ++ready;
    auto other = weft::spawn([&] { (void)weft::wait_writable(pipe.write_end.fd().get()); });
    other.join();
  });
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(ready == 300);
}

namespace {
// A sender stores to shared memory and sends a byte; the receiver reads the byte, then
// the memory. Ordered when the store comes before the send, a race when after.
check::Report send_and_store(bool store_before_send) {
  check::Options o = weft_test::quiet(check::Portfolio{}, 2000);
  return check::explore(o, [store_before_send] {
    auto [tx, rx] = weft::UnixStream::pair();
    check::Shared<int> payload{0};
    auto sender = weft::spawn(
        [&] {
          if (store_before_send) payload.store(42);
          tx.write_all("!");
          if (!store_before_send) payload.store(42);
        },
        {.name = "sender"});
    std::array<char, 1> one{};
    WEFT_ASSERT(rx.read_exact(bytes(one)));
    const int seen = payload.load();
    if (store_before_send) WEFT_ASSERT(seen == 42);
    sender.join();
  });
}
}  // namespace

TEST_CASE("data sent through an fd orders the sender before the receiver: no false race", "[checker][io]") {
  const check::Report report = send_and_store(true);
  INFO(report.to_string());
  CHECK(report.ok());
}

TEST_CASE("a race around fd I/O is still reported", "[checker][io]") {
  const check::Report report = send_and_store(false);
  INFO(report.to_string());
  CHECK(report.kind == check::FailureKind::DataRace);
}

TEST_CASE("loopback TCP under the checker: accept, connect, echo, close; no fd outlives a run", "[checker][io]") {
  const std::size_t fds_before = open_fds();
  check::Options o = weft_test::quiet(check::Portfolio{}, 500);
  const check::Report report = check::explore(o, [] {
    auto listener = weft::TcpListener::bind(weft::SocketAddress::ipv4_loopback(0));
    auto server = weft::spawn(
        [&] {
          auto connection = listener.accept();
          std::array<char, 5> got{};
          WEFT_ASSERT(connection.read_exact(std::as_writable_bytes(std::span(got))));
          connection.write_all(std::as_bytes(std::span(got)));
        },
        {.name = "server"});
    auto client = weft::TcpStream::connect(listener.local_address());
    client.write_all("hello");
    std::array<char, 5> echoed{};
    WEFT_ASSERT(client.read_exact(std::as_writable_bytes(std::span(echoed))));
    WEFT_ASSERT(std::string(echoed.data(), echoed.size()) == "hello");
    server.join();
  });
  INFO(report.to_string());
  CHECK(report.ok());
  CHECK(report.runs == 500);
  CHECK(open_fds() == fds_before);
}

TEST_CASE("a failing run that unwinds fibers parked on fds releases them", "[checker][io]") {
  const std::size_t fds_before = open_fds();
  check::Options o = weft_test::quiet(check::Random{}, 100);
  const check::Report report = check::explore(o, [] {
    auto [a, b] = weft::UnixStream::pair();
    auto parked = weft::spawn([&] {
      std::array<char, 1> one{};
      (void)b.read(bytes(one));
    });
    WEFT_ASSERT(false);  // the run fails with `parked` waiting on its fd
    parked.join();
  });
  CHECK(report.kind == check::FailureKind::Assertion);
  CHECK(open_fds() == fds_before);
}

TEST_CASE("select over a channel and an fd explores both orders under the checker", "[checker][io]") {
  check::Options o = weft_test::quiet(check::Portfolio{}, 1000);
  std::set<std::size_t> first_fired;
  const check::Report report = check::explore(o, [&] {
    auto [a, b] = weft::UnixStream::pair();
    weft::Channel<int> numbers(1);
    auto feeder = weft::spawn([&] {
      a.write_all("x");
      WEFT_ASSERT(numbers.send(7) == weft::ChannelStatus::ok);
    });
    std::size_t first = 2;
    for (int round = 0; round < 2; ++round) {
      auto fired = weft::select(weft::on_recv(numbers), weft::on_readable(b.fd(), [&] {
                                  std::array<char, 1> one{};
                                  WEFT_ASSERT(b.read(bytes(one)) == 1);
                                }));
      if (round == 0) first = fired.index;
    }
    feeder.join();
    first_fired.insert(first);
  });
  INFO(report.to_string());
  CHECK(report.ok());
  // The fd is written first, yet the checker also runs the send before the select
  // looks: each case fires first in some run.
  CHECK(first_fired == std::set<std::size_t>{0, 1});
}
