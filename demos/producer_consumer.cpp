// A producer and a consumer over a bounded channel (capacity 10), stopped by an event.
//
// The producer makes numbered jobs faster than the consumer handles them, so the channel
// fills up and the producer is held back (backpressure). After a while the main fiber
// sets the stop event; the producer notices it, stops, and closes the channel; the
// consumer drains whatever is still buffered and its loop ends. Nothing is lost: the
// counts and sums of sent and received jobs match.
#include <chrono>
#include <cstdio>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

int main() {
  return weft::run([] {
    weft::Channel<long> jobs(10);
    weft::Event stop;

    long sent = 0, sent_sum = 0, times_full = 0;
    auto producer = weft::spawn(
        [&] {
          for (long job = 1; !stop.is_set(); ++job) {
            weft::ChannelStatus status = jobs.try_send(job);
            if (status == weft::ChannelStatus::full) {
              ++times_full;                 // the consumer is behind: wait for room
              status = jobs.send(long{job});
            }
            if (status != weft::ChannelStatus::ok) break;
            ++sent;
            sent_sum += job;
          }
          jobs.close();  // receivers drain what is buffered, then see closed
        },
        {.name = "producer"});

    long received = 0, received_sum = 0;
    auto consumer = weft::spawn(
        [&] {
          for (long job : jobs) {
            ++received;
            received_sum += job;
            if (received % 4 == 0) weft::this_fiber::sleep_for(50us);  // "work"
          }
        },
        {.name = "consumer"});

    weft::this_fiber::sleep_for(300ms);
    std::printf("main: setting the stop event (%zu jobs buffered right now)\n", jobs.size());
    stop.set();
    producer.join();
    consumer.join();

    std::printf("producer: sent %ld jobs (sum %ld); found the channel full %ld times\n", sent,
                sent_sum, times_full);
    std::printf("consumer: received %ld jobs (sum %ld)\n", received, received_sum);
    const bool ok = sent > 0 && sent == received && sent_sum == received_sum;
    std::printf("%s\n", ok ? "clean shutdown: nothing lost" : "MISMATCH: jobs were lost");
    return ok ? 0 : 1;
  });
}
