// Countdowns as fibers: a task scheduler over "generators".
//
// The classic way to show cooperative multitasking is a handful of generator functions
// that count down and hand control back after every step, driven by a little round-robin
// scheduler. With fibers each countdown is an ordinary loop: `yield()` is the point where
// it hands control back, and the runtime is the scheduler.
//
// Round 1: three countdowns that only yield. They interleave strictly in turn, and each
// one drops out of the rotation when it reaches zero.
// Round 2: the same countdowns tick on timers of different periods (sleep_until, so the
// ticks do not drift). The interleaving now follows the clock.
//
// The demo exits non-zero if round 1 is not strictly round-robin, or if in round 2 a tick
// runs before its deadline or a countdown skips or repeats a number.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Countdown {
  std::string name;
  int from;
  std::chrono::milliseconds period;  // round 2 only
};

const std::vector<Countdown> kCountdowns{
    {"A", 5, 20ms},
    {"B", 3, 35ms},
    {"C", 4, 45ms},
};

// Generators take turns on one thread, and so do fibers on one worker: the strict
// rotation below is that cooperative guarantee. (On several workers the countdowns
// would run at the same time.)
weft::RuntimeOptions cooperative() {
  weft::RuntimeOptions options;
  options.workers = 1;
  return options;
}

// Round 1: every countdown yields after each step.
std::vector<std::string> yielding_round() {
  std::vector<std::string> ticks;
  weft::run([&] {
    std::vector<weft::JoinHandle<void>> tasks;
    for (const Countdown& c : kCountdowns) {
      tasks.push_back(weft::spawn(
          [&ticks, &c] {
            std::printf("  countdown %s from %d\n", c.name.c_str(), c.from);
            for (int n = c.from; n > 0; --n) {
              std::printf("    %s: T-minus %d\n", c.name.c_str(), n);
              ticks.push_back(c.name + std::to_string(n));
              weft::this_fiber::yield();  // like a generator's `yield`
            }
            std::printf("  %s: liftoff!\n", c.name.c_str());
          },
          {.name = "countdown " + c.name}));
    }
    for (auto& t : tasks) t.join();
  }, cooperative());
  return ticks;
}

// Round 2: countdown c ticks at start + k * period.
struct TimedTick {
  std::string label;
  std::chrono::milliseconds due;
  std::chrono::microseconds at;  // when it really ran, from the start of the round
};

std::vector<TimedTick> timed_round() {
  std::vector<TimedTick> ticks;
  weft::run([&] {
    const auto start = weft::now();
    std::vector<weft::JoinHandle<void>> tasks;
    for (const Countdown& c : kCountdowns) {
      tasks.push_back(weft::spawn(
          [&ticks, &c, start] {
            for (int n = c.from, k = 1; n > 0; --n, ++k) {
              weft::this_fiber::sleep_until(start + k * c.period);
              const auto at = std::chrono::duration_cast<std::chrono::microseconds>(
                  weft::now() - start);
              std::printf("    %6.1f ms  %s: T-minus %d\n", static_cast<double>(at.count()) / 1000,
                          c.name.c_str(), n);
              ticks.push_back({c.name + std::to_string(n), k * c.period, at});
              weft::this_fiber::yield();  // others due at the same moment go first
            }
            std::printf("  %s: liftoff!\n", c.name.c_str());
          },
          {.name = "timed countdown " + c.name}));
    }
    for (auto& t : tasks) t.join();
  }, cooperative());
  return ticks;
}

// The order a round-robin scheduler must produce: one step of each live countdown per turn.
std::vector<std::string> round_robin_order() {
  std::vector<std::string> order;
  for (int turn = 0;; ++turn) {
    bool any = false;
    for (const Countdown& c : kCountdowns) {
      if (turn < c.from) {
        order.push_back(c.name + std::to_string(c.from - turn));
        any = true;
      }
    }
    if (!any) return order;
  }
}

std::string join_labels(const std::vector<std::string>& labels) {
  std::string text;
  for (const auto& l : labels) text += (text.empty() ? "" : " ") + l;
  return text;
}

// The order of the deadlines. A busy machine may run a tick late enough that the next
// deadline of the same countdown has passed too; then the order can differ, and the demo
// only says so. What must hold: no tick runs early, and each countdown counts in order.
std::vector<std::string> deadline_order() {
  struct Due {
    std::chrono::milliseconds due;
    std::string label;
  };
  std::vector<Due> dues;
  for (const Countdown& c : kCountdowns)
    for (int k = 1; k <= c.from; ++k)
      dues.push_back({k * c.period, c.name + std::to_string(c.from - k + 1)});
  std::stable_sort(dues.begin(), dues.end(),
                   [](const Due& a, const Due& b) { return a.due < b.due; });
  std::vector<std::string> order;
  for (const Due& d : dues) order.push_back(d.label);
  return order;
}

bool check_timed(const std::vector<TimedTick>& ticks) {
  std::vector<std::string> labels;
  bool ok = true;
  for (const TimedTick& t : ticks) {
    labels.push_back(t.label);
    if (t.at < t.due) {
      std::printf("  WRONG: %s ran at %.1f ms, before its deadline %lld ms\n", t.label.c_str(),
                  static_cast<double>(t.at.count()) / 1000, static_cast<long long>(t.due.count()));
      ok = false;
    }
  }
  for (const Countdown& c : kCountdowns) {
    std::vector<std::string> own, want;
    for (const auto& l : labels)
      if (l.compare(0, c.name.size(), c.name) == 0) own.push_back(l);
    for (int n = c.from; n > 0; --n) want.push_back(c.name + std::to_string(n));
    if (own != want) {
      std::printf("  WRONG: countdown %s did not count down in order\n", c.name.c_str());
      ok = false;
    }
  }
  std::printf("round 2 interleaving: %s\n", join_labels(labels).c_str());
  if (labels == deadline_order())
    std::printf("  = the order of the deadlines\n");
  else
    std::printf("  (deadline order would be %s; this machine was too busy to keep up)\n",
                join_labels(deadline_order()).c_str());
  return ok;
}

bool report(const char* what, const std::vector<std::string>& got,
            const std::vector<std::string>& want) {
  std::printf("%s: %s\n", what, join_labels(got).c_str());
  if (got == want) return true;
  std::printf("  WRONG, expected: %s\n", join_labels(want).c_str());
  return false;
}

}  // namespace

int main() {
  std::printf("round 1: countdowns that yield after every step\n");
  const auto yielded = yielding_round();
  std::printf("\nround 2: countdowns on timers (A every 20 ms, B every 35 ms, C every 45 ms)\n");
  const auto timed = timed_round();
  std::printf("\n");
  bool ok = report("round 1 interleaving", yielded, round_robin_order());
  ok = check_timed(timed) && ok;
  return ok ? 0 : 1;
}
