// The first waits on one fd from fibers on two workers at once (a reader and a writer of
// one stream, a full-duplex connection's usual shape): the fd is registered with the
// reactor once, and both waits end normally.
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <vector>

#include "net_support.hpp"

using namespace std::chrono_literals;

namespace {

// Fills `fd`'s send buffer until the kernel takes no more.
void fill(int fd) {
  std::vector<char> chunk(65536, 'f');
  while (::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT) > 0) {
  }
}

}  // namespace

TEST_CASE("first waits: a reader and a writer on two workers park on one fresh fd at once", "[net]") {
  weft::RuntimeOptions options;
  options.workers = 2;
  weft::Runtime(options).run([] {
    constexpr int kRounds = 300;
    int failures = 0;
    for (int round = 0; round < kRounds; ++round) {
      auto [a, b] = weft::UnixStream::pair();
      fill(a.fd().get());  // a's next write parks at once, as its next read does
      std::atomic<int> ready{0};
      auto go = [&ready] {
        ready.fetch_add(1);
        while (ready.load() < 2) {
        }
      };
      auto reader = weft::spawn_on(0, [&] {
        go();
        std::array<std::byte, 8> buffer;
        return a.read(buffer, 5s);
      });
      auto writer = weft::spawn_on(1, [&] {
        go();
        const std::vector<std::byte> more(1024, std::byte{'m'});
        a.write_all(more, 5s);
      });
      // The peer answers one byte, then drains what a sent.
      weft::this_fiber::sleep_for(200us);
      b.write_all(net_test::bytes("r"));
      std::vector<std::byte> sink(1 << 16);
      try {
        if (reader.join() != 1) ++failures;
      } catch (const std::exception& e) {
        UNSCOPED_INFO("reader: " << e.what());
        ++failures;
      }
      auto drain = weft::spawn([&] {
        while (b.read(sink, 5s) > 0) {
        }
      });
      try {
        writer.join();
      } catch (const std::exception& e) {
        UNSCOPED_INFO("writer: " << e.what());
        ++failures;
      }
      a.shutdown(weft::Shutdown::Write);  // the drain reads to the end
      drain.join();
    }
    CHECK(failures == 0);
  });
}
