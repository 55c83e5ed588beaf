// Publish/subscribe through topics (the "exchange" of the classic example).
//
// Topics are looked up by name, like the original's get_exchange(name). Subscribers are
// actors (each gets its own copy of every message) or plain functions, and a
// subscription lasts as long as its Subscription object: a scope subscribes a diagnostic
// printer for a few messages only.
//
// The demo exits non-zero if a subscriber got a message while not subscribed, or missed
// one while it was.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

// Topics by name, made on first use.
weft::Topic<std::string>& get_exchange(const std::string& name) {
  static std::map<std::string, std::unique_ptr<weft::Topic<std::string>>> exchanges;
  auto& topic = exchanges[name];
  if (!topic) topic = std::make_unique<weft::Topic<std::string>>();
  return *topic;
}

// Counts what it receives.
struct CountingSubscriber {
  struct Count {};
  using Message = std::variant<std::string, weft::Ask<Count, int>>;
  std::string name;
  int count = 0;
  explicit CountingSubscriber(std::string n) : name(std::move(n)) {}
  void handle(std::string msg) { std::printf("  %s got %s (#%d)\n", name.c_str(), msg.c_str(), ++count); }
  void handle(weft::Ask<Count, int> ask) { ask.reply(count); }
};

}  // namespace

int main() {
  bool ok = true;
  weft::run([&ok] {
    weft::Topic<std::string>& exc = get_exchange("name");
    auto task_a = weft::spawn_actor<CountingSubscriber>(std::string("task_a"));
    auto task_b = weft::spawn_actor<CountingSubscriber>(std::string("task_b"));
    int displayed = 0;
    {
      std::puts("task_a and task_b subscribed:");
      auto sub_a = exc.subscribe(task_a);
      auto sub_b = exc.subscribe(task_b);
      exc.publish("msg1");
      exc.publish("msg2");
      {
        std::puts("a diagnostic printer joins for one message:");
        auto display = exc.subscribe([&displayed](const std::string& msg) {
          std::printf("  msg[%d]: '%s'\n", ++displayed, msg.c_str());
        });
        ok = ok && exc.publish("msg3") == 3;
      }
      std::puts("task_b leaves:");
      sub_b.reset();
      ok = ok && exc.publish("msg4") == 1;
    }
    std::puts("everyone left:");
    ok = ok && exc.publish("msg5") == 0 && exc.size() == 0;
    const int a = task_a.ask(CountingSubscriber::Count{}, 1s).get();
    const int b = task_b.ask(CountingSubscriber::Count{}, 1s).get();
    std::printf("task_a got %d, task_b got %d, the printer %d\n", a, b, displayed);
    ok = ok && a == 4 && b == 3 && displayed == 1;
    task_a.stop();
    task_b.stop();
    (void)task_a.wait();
    (void)task_b.wait();
  });
  std::puts(ok ? "actor_pubsub: ok" : "actor_pubsub: FAILED");
  return ok ? 0 : 1;
}
