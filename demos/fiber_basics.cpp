// The core fiber API in one tour:
//   1. spawn fibers and join them for their results;
//   2. an exception thrown in a fiber comes out of join();
//   3. FiberLocal<T>: one value per fiber, destroyed when the fiber ends;
//   4. named fibers and weft::dump(), which shows what every fiber is doing.
// The demo checks what it prints and exits non-zero if anything is off.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

std::atomic<bool> g_ok = true;  // atomic: fibers run on several workers at once

void expect(bool condition, const char* what) {
  if (!condition) {
    std::printf("  UNEXPECTED: %s\n", what);
    g_ok = false;
  }
}

long fibonacci(int n) { return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2); }

void spawn_and_join() {
  std::printf("1. spawn and join\n");
  std::vector<weft::JoinHandle<long>> handles;
  for (int n : {10, 20, 25})
    handles.push_back(weft::spawn([n] { return fibonacci(n); },
                                  {.name = "fib(" + std::to_string(n) + ")"}));
  long total = 0;
  for (auto& h : handles) {
    const std::string name = h.name();  // the handle is empty after join
    const long value = h.join();
    std::printf("   %-8s = %ld\n", name.c_str(), value);
    total += value;
  }
  expect(total == 55 + 6765 + 75025, "fibonacci results");
}

void exception_at_join() {
  std::printf("2. an exception crosses join()\n");
  auto risky = weft::spawn(
      []() -> int {
        weft::this_fiber::sleep_for(1ms);
        throw std::runtime_error("sensor 7 is offline");
      },
      {.name = "risky"});
  try {
    std::printf("   joined: %d\n", risky.join());
    expect(false, "join should have thrown");
  } catch (const std::runtime_error& e) {
    std::printf("   join() rethrew: %s\n", e.what());
    expect(std::string(e.what()) == "sensor 7 is offline", "the exception's message");
  }
}

// Counts the request ids that were destroyed with their fibers.
std::atomic<int> g_ids_destroyed = 0;

struct RequestId {
  int value = 0;
  ~RequestId() {
    if (value != 0) ++g_ids_destroyed;
  }
};

void fiber_locals() {
  std::printf("3. fiber-local values\n");
  static weft::FiberLocal<RequestId> request_id;
  static weft::FiberLocal<std::string> greeting([] { return std::string("hello"); });

  auto handler = [](int id) {
    return [id] {
      request_id->value = id;  // each fiber sets its own
      weft::this_fiber::yield();  // the other handlers set theirs meanwhile
      *greeting += " from " + weft::this_fiber::name();
      std::printf("   %s: request id %d, greeting \"%s\"\n", weft::this_fiber::name().c_str(),
                  request_id->value, greeting->c_str());
      return request_id->value;
    };
  };
  std::vector<weft::JoinHandle<int>> handlers;
  for (int id : {101, 102, 103})
    handlers.push_back(weft::spawn(handler(id), {.name = "handler-" + std::to_string(id)}));
  int sum = 0;
  for (auto& h : handlers) sum += h.join();
  expect(sum == 101 + 102 + 103, "each handler kept its own request id");
  std::printf("   request ids destroyed with their fibers: %d\n", g_ids_destroyed.load());
  expect(g_ids_destroyed == 3, "fiber-local values destroyed at fiber end");
  expect(*greeting == "hello", "main fiber's own greeting untouched");
}

// True if the line of `text` that mentions `who` also mentions each of `words`.
bool mentions(const std::string& text, const std::string& who,
              std::initializer_list<const char*> words) {
  const auto at = text.find(who);
  if (at == std::string::npos) return false;
  const auto begin = text.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
  const std::string line = text.substr(begin, text.find('\n', at) - begin);
  for (const char* word : words)
    if (line.find(word) == std::string::npos) return false;
  return true;
}

void named_fibers_and_dump() {
  std::printf("4. named fibers and weft::dump()\n");
  bool ready = false;
  weft::sched::Fiber* waiter_fiber = nullptr;
  auto waiter = weft::spawn(
      [&] {
        waiter_fiber = weft::sched::current_fiber();
        while (!ready)
          weft::sched::park(weft::sched::WaitRecord{weft::sched::WaitKind::Event, &ready, "ready flag"});
      },
      {.name = "waiter"});
  auto napper = weft::spawn([] { weft::this_fiber::sleep_for(20ms); }, {.name = "napper"});
  auto joiner = weft::spawn([&] { waiter.join(); }, {.name = "joiner"});
  weft::this_fiber::yield();  // let them block
  auto late = weft::spawn([] {}, {.name = "not-yet-started"});

  std::cout << "   weft::dump() while they wait:\n";
  weft::dump(std::cout);
  const std::string text = weft::dump_string();
  expect(mentions(text, "'waiter'", {"parked", "event", "ready flag"}),
         "dump shows the waiter and what it waits on");
  expect(mentions(text, "'napper'", {"parked", "sleep"}), "dump shows the sleeper");
  expect(mentions(text, "'joiner'", {"parked", "join", "waiter"}), "dump shows the joiner");
  expect(mentions(text, "'not-yet-started'", {"ready"}), "dump shows the queued fiber");

  ready = true;
  weft::sched::unpark(*waiter_fiber);
  joiner.join();
  napper.join();
  late.join();
  std::cout << "   weft::dump() afterwards:\n";
  weft::dump(std::cout);
}

}  // namespace

int main() {
  weft::run([] {  // on every worker (one per CPU)
    spawn_and_join();
    exception_at_join();
    fiber_locals();
  });
  // A snapshot of fibers in each state: on one worker, one yield lets every other fiber
  // run until it blocks, so the dump finds them all where the demo expects them.
  weft::RuntimeOptions one_worker;
  one_worker.workers = 1;
  weft::run([] { named_fibers_and_dump(); }, one_worker);
  std::printf("%s\n", g_ok ? "all as expected" : "SOMETHING WAS OFF");
  return g_ok ? 0 : 1;
}
