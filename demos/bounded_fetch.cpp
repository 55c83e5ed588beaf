// Bounded concurrency: 20 "fetch" tasks start at once, but a Semaphore with 5 permits
// lets only 5 of them fetch at a time (each fetch sleeps a few milliseconds, like a
// network request). The demo tracks how many fetches are in flight and reports the
// maximum, which must be exactly 5, and the total time, about 20 / 5 = 4 fetch times.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

int main() {
  constexpr int kTasks = 20;
  constexpr int kLimit = 5;
  constexpr auto kFetchTime = 5ms;
  // Atomic: on several workers the fetches run at the same time.
  std::atomic<int> in_flight = 0, max_in_flight = 0, fetched = 0;
  double elapsed_ms = 0;

  weft::run([&] {
    weft::Semaphore slots(kLimit);
    const weft::TimePoint start = weft::now();
    std::vector<weft::JoinHandle<void>> tasks;
    for (int i = 0; i < kTasks; ++i) {
      tasks.push_back(weft::spawn(
          [&, i] {
            slots.acquire();
            const int now_in_flight = ++in_flight;
            int seen = max_in_flight.load();
            while (seen < now_in_flight && !max_in_flight.compare_exchange_weak(seen, now_in_flight)) {
            }
            std::printf("  fetch %2d starts (%d in flight)\n", i, now_in_flight);
            weft::this_fiber::sleep_for(kFetchTime);
            --in_flight;
            ++fetched;
            slots.release();
          },
          {.name = "fetch " + std::to_string(i)}));
    }
    for (auto& t : tasks) t.join();
    elapsed_ms =
        std::chrono::duration<double, std::milli>(weft::now() - start).count();
  });

  std::printf("%d fetches, at most %d in flight (limit %d), %.1f ms in total\n", fetched.load(),
              max_in_flight.load(), kLimit, elapsed_ms);
  return fetched == kTasks && max_in_flight == kLimit ? 0 : 1;
}
