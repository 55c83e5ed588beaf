// pollable_select: one fiber waits on two channels and a socket at once and handles
// whichever is ready (the source material's pollable queues, section 12.13, where
// queues had to pretend to be sockets so that one select() could watch both; with weft
// the channel and the socket are cases of the same select).
//
// A producer fills q1 and q2 like the original (1, 10, "hello", 15); a peer writes
// lines to a Unix socket; the consumer selects over all three until both channels are
// closed and the socket has ended.
#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;

int main() {
  weft::run([] {
    weft::Channel<int> q1(4);
    weft::Channel<std::string> q2(4);
    auto [peer, socket] = weft::UnixStream::pair();

    auto producer = weft::spawn([&] {
      (void)q1.send(1);
      (void)q2.send("10");
      weft::this_fiber::sleep_for(1ms);
      (void)q2.send("hello");
      (void)q1.send(15);
      q1.close();
      q2.close();
    });
    auto writer = weft::spawn([&] {
      for (const char* line : {"socket: first\n", "socket: second\n"}) {
        weft::this_fiber::sleep_for(1ms);
        peer.write_all(line);
      }
      peer.close();  // the consumer reads end of stream
    });

    bool q1_open = true, q2_open = true, socket_open = true;
    int handled = 0;
    while (q1_open || q2_open || socket_open) {
      auto from_q1 = weft::on_recv(q1, [&](int n) { std::printf("Got from q1: %d\n", n); });
      auto from_q2 = weft::on_recv(q2, [&](std::string s) { std::printf("Got from q2: %s\n", s.c_str()); });
      auto from_socket = weft::on_readable(socket.fd());
      auto quiet = weft::after(5s);
      // Only the sources still open take part: a finished one would fire at once.
      std::vector<weft::SelectCase*> cases{&quiet};
      if (q1_open) cases.push_back(&from_q1);
      if (q2_open) cases.push_back(&from_q2);
      if (socket_open) cases.push_back(&from_socket);

      const weft::Selected fired = weft::select(cases);
      const weft::SelectCase* which = cases[fired.index];
      if (which == &quiet) {
        std::printf("nothing for 5 s: giving up\n");
        break;
      }
      if (which == &from_socket) {
        std::array<std::byte, 64> buffer;
        const std::size_t n = socket.read(buffer);
        if (n == 0) {
          socket_open = false;
          std::printf("the socket ended\n");
          continue;
        }
        std::printf("Got from the socket: %.*s", static_cast<int>(n), reinterpret_cast<const char*>(buffer.data()));
      } else if (fired.status == weft::ChannelStatus::closed) {
        (which == &from_q1 ? q1_open : q2_open) = false;
        std::printf("%s closed\n", which == &from_q1 ? "q1" : "q2");
        continue;
      }
      ++handled;
    }
    std::printf("%d items handled, every source finished\n", handled);
    producer.join();
    writer.join();
  });
}
