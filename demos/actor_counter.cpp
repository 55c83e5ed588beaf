// An actor scheduler's classic: a counter and a printer reached by name.
//
// The counter gets n, sends n to the printer and n-1 to itself, until 0. Both find each
// other through the registry (register_actor / lookup), as the original's scheduler sent
// to names. Counting down from 10,000 is 20,000 messages between two fibers, on as many
// workers as the machine has.
//
// The demo exits non-zero unless the printer got 10000, 9999, ..., 1 in that order.
#include <cstdio>
#include <variant>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kFrom = 10000;

struct Printer {
  struct Summary {};
  using Message = std::variant<int, weft::Ask<Summary, bool>>;
  int expected = kFrom;
  bool in_order = true;
  void handle(int n) {
    if (n % 1000 == 0 || n <= 3) std::printf("  Got: %d\n", n);
    in_order = in_order && n == expected;
    --expected;
  }
  void handle(weft::Ask<Summary, bool> ask) { ask.reply(in_order && expected == 0); }
};

struct Counter {
  using Message = int;
  weft::ActorContext<int>& self;
  explicit Counter(weft::ActorContext<int>& s) : self(s) {}
  void handle(int n) {
    if (n == 0) return self.stop();
    // By name, every time, as the original did (a lookup is a map lookup under a lock).
    (void)weft::lookup<Printer::Message>("printer")->tell(int{n});
    (void)weft::lookup<int>("counter")->tell(n - 1);
  }
};

}  // namespace

int main() {
  bool ok = false;
  weft::run([&ok] {
    auto printer = weft::spawn_actor<Printer>(weft::ActorOptions{.name = "printer"});
    auto counter = weft::spawn_actor<Counter>(weft::ActorOptions{.name = "counter"});
    weft::register_actor("printer", printer);
    weft::register_actor("counter", counter);
    const weft::TimePoint start = weft::now();
    (void)counter.tell(int{kFrom});
    (void)counter.wait();
    ok = printer.ask(Printer::Summary{}, 5s).get();
    const auto took = std::chrono::duration_cast<std::chrono::microseconds>(weft::now() - start);
    std::printf("  %d messages in %lld us\n", 2 * kFrom, static_cast<long long>(took.count()));
    printer.stop();
    (void)printer.wait();
    // Both names were released when their actors exited.
    ok = ok && !weft::lookup_address("printer") && !weft::lookup_address("counter");
  });
  std::puts(ok ? "actor_counter: ok" : "actor_counter: FAILED");
  return ok ? 0 : 1;
}
