// Actors: fibers with a mailbox.
//
// An actor owns its state and is reached only through messages, so nothing it holds
// needs a lock. Three of them, after the classic examples:
//   1. a printer that prints what it gets and stops at a sentinel (here: stop(), which
//      takes effect after the messages already sent);
//   2. a tagged actor whose messages are kinds of a std::variant, each with its own
//      handler (a message kind without a handler does not compile);
//   3. a worker that runs functions and returns their results through ask(), a future
//      that also completes if the worker dies or does not answer in time.
//
// The demo exits non-zero if an actor saw the wrong messages or a result is wrong.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Printer {
  using Message = std::string;
  std::vector<std::string>* log;
  explicit Printer(std::vector<std::string>* l) : log(l) {}
  void handle(std::string msg) {
    std::printf("  Got: %s\n", msg.c_str());
    log->push_back(std::move(msg));
  }
};

struct A {
  int x;
};
struct B {
  int x, y;
};
struct Tagged {
  using Message = std::variant<A, B>;
  std::vector<std::string>* log;
  explicit Tagged(std::vector<std::string>* l) : log(l) {}
  void handle(A a) {
    std::printf("  Running A %d\n", a.x);
    log->push_back("A" + std::to_string(a.x));
  }
  void handle(B b) {
    std::printf("  Running B %d %d\n", b.x, b.y);
    log->push_back("B" + std::to_string(b.x) + std::to_string(b.y));
  }
};

// A job for the worker: a function to run; the reply is its result.
using Job = std::function<double()>;
struct Worker {
  using Message = weft::Ask<Job, double>;
  void handle(weft::Ask<Job, double> ask) {
    const double result = ask.request()();
    ask.reply(result);
  }
};

}  // namespace

int main() {
  bool ok = true;
  weft::run([&ok] {
    std::puts("1. a printer actor");
    std::vector<std::string> printed;
    auto printer = weft::spawn_actor<Printer>(weft::ActorOptions{.name = "printer"}, &printed);
    (void)printer.tell(std::string("Hello"));
    (void)printer.tell(std::string("World"));
    printer.stop();  // the sentinel: handled after Hello and World
    const weft::ExitReason printer_exit = printer.wait();
    std::printf("  printer exited: %s\n", printer_exit.describe().c_str());
    ok = ok && printed == std::vector<std::string>{"Hello", "World"} && printer_exit.is_normal();

    std::puts("2. a tagged actor");
    std::vector<std::string> ran;
    auto tagged = weft::spawn_actor<Tagged>(weft::ActorOptions{.name = "tagged"}, &ran);
    (void)tagged.tell(A{1});
    (void)tagged.tell(B{2, 3});
    tagged.stop();
    (void)tagged.wait();
    ok = ok && ran == std::vector<std::string>{"A1", "B23"};

    std::puts("3. a worker returning results through ask");
    auto worker = weft::spawn_actor<Worker>(weft::ActorOptions{.name = "worker"});
    auto r = worker.ask(Job([] { return std::pow(2.0, 3.0); }), 1s);
    auto s = worker.ask(Job([] { return std::sqrt(2.0); }), 1s);
    const double pow_result = r.get();
    std::printf("  pow(2, 3) = %g, sqrt(2) = %.6f\n", pow_result, s.get());
    ok = ok && pow_result == 8.0;
    worker.stop();
    (void)worker.wait();
    // Asking an actor that has exited fails with a clear error instead of hanging.
    try {
      (void)worker.ask(Job([] { return 0.0; }), 1s).get();
      ok = false;
    } catch (const weft::ActorExited& e) {
      std::printf("  after stop: %s\n", e.what());
    }
  });
  std::puts(ok ? "actors_basics: ok" : "actors_basics: FAILED");
  return ok ? 0 : 1;
}
