// A ticker drives countdowns: one PeriodicTimer fiber advances a shared tick counter
// every 10 ms and announces it through a ConditionVariable; three countdown fibers wait
// on the condition variable and count down one step per tick. When the longest
// countdown reaches zero, the timer is stopped.
//
// The demo exits non-zero unless every countdown reached zero in step with the ticks.
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

int main() {
  struct Countdown {
    std::string name;
    int from;
  };
  const std::vector<Countdown> countdowns{{"A", 5}, {"B", 3}, {"C", 4}};
  int errors = 0;

  weft::run([&] {
    weft::Mutex mutex("ticks");
    weft::ConditionVariable ticked;
    int tick = 0;

    weft::PeriodicTimer timer(10ms, [&] {
      {
        std::lock_guard guard(mutex);
        ++tick;
        std::printf("tick %d\n", tick);
      }
      ticked.notify_all();
    });

    std::vector<weft::JoinHandle<void>> fibers;
    for (const Countdown& c : countdowns) {
      fibers.push_back(weft::spawn(
          [&, c] {
            std::unique_lock lock(mutex);
            int seen = tick;
            for (int n = c.from; n > 0; --n) {
              ticked.wait(lock, [&] { return tick > seen; });
              seen = tick;
              std::printf("  %s: T-minus %d (tick %d)\n", c.name.c_str(), n, tick);
            }
            std::printf("  %s: liftoff at tick %d\n", c.name.c_str(), tick);
            if (tick < c.from) ++errors;  // one step per tick at most
          },
          {.name = "countdown " + c.name}));
    }
    for (auto& f : fibers) f.join();
    timer.stop();
    timer.join();
    std::printf("timer stopped after %llu callbacks\n",
                static_cast<unsigned long long>(timer.runs()));
  });
  return errors == 0 ? 0 : 1;
}
