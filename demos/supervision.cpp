// Supervision: let it crash, and restart it.
//
// A parser actor crashes on input it cannot parse (an exception escapes its handler).
// Its supervisor (one_for_one, at most 3 restarts in 500 ms) starts a fresh parser each
// time, so the next good input is served again. Once those restarts are older than the
// period, a burst of bad input crashes it four times in a row: the fourth restart would
// pass the intensity, so the supervisor gives up, shuts its other child down, and exits
// with a reason that says why.
//
// The demo exits non-zero unless the good inputs were parsed, each crash was followed
// by exactly one restart, and the intensity limit tripped on the fourth crash.
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

struct Parser {
  using Message = weft::Ask<std::string, int>;
  void handle(weft::Ask<std::string, int> ask) {
    const std::string& text = ask.request();
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    // Let it crash: the exception ends this parser, and the asker learns why.
    if (used == 0 || used != text.size()) throw std::invalid_argument("not a number: '" + text + "'");
    ask.reply(value);
  }
};

// A second child that just lives, to show it is left alone by one_for_one restarts and
// shut down when the supervisor gives up.
struct Idle {
  using Message = int;
  void handle(int) {}
};

// The child `name` once the supervisor has started it (another incarnation than
// `not_this`, to wait for a restart); nothing once the supervisor has exited.
std::optional<weft::ActorAddress> child(const weft::Supervisor& sup, const std::string& name,
                                        const weft::ActorAddress& not_this = {}) {
  while (sup.address().alive()) {
    if (auto a = sup.child_address(name); a && *a != not_this) return *a;
    weft::this_fiber::sleep_for(1ms);
  }
  return std::nullopt;
}

std::optional<weft::ActorRef<Parser::Message>> current_parser(const weft::Supervisor& sup,
                                                              const weft::ActorAddress& not_this = {}) {
  if (auto a = child(sup, "parser", not_this)) return weft::ActorRef<Parser::Message>::from(*a);
  return std::nullopt;
}

}  // namespace

int main() {
  bool ok = true;
  weft::run([&ok] {
    auto sup = weft::spawn_supervisor(
        {.name = "parsers", .strategy = weft::Strategy::one_for_one, .max_restarts = 3, .within = 500ms},
        {weft::child<Parser>("parser"), weft::child<Idle>("idle")});
    const weft::ActorAddress idle = *child(sup, "idle");

    for (const std::string input : {"42", "oops", "7", "12abc", "-3"}) {
      auto parser = *current_parser(sup);
      try {
        const int value = parser.ask(std::string(input), 1s).get();
        std::printf("  '%s' -> %d\n", input.c_str(), value);
      } catch (const weft::ActorExited& e) {
        std::printf("  '%s' crashed the parser: %s\n", input.c_str(), e.reason().describe().c_str());
        (void)current_parser(sup, parser);  // wait for its restart
        std::printf("    restarted (restarts so far: %zu)\n", sup.restarts());
      }
    }
    ok = ok && sup.restarts() == 2 && idle.alive();

    weft::this_fiber::sleep_for(600ms);  // those two restarts leave the 500 ms period
    std::puts("a burst of bad input:");
    int crashes = 0;
    while (auto parser = current_parser(sup)) {
      try {
        (void)parser->ask(std::string("bad"), 1s).get();
      } catch (const weft::ActorExited&) {
        std::printf("  crash %d\n", ++crashes);
      }
      (void)current_parser(sup, *parser);  // restarted, or the supervisor gave up
    }
    const weft::ExitReason reason = sup.wait();
    std::printf("supervisor exited: %s\n", reason.describe().c_str());
    std::printf("its other child: %s\n", idle.wait().describe().c_str());
    ok = ok && crashes == 4 && sup.restarts() == 5 && reason.kind() == weft::ExitReason::Kind::error &&
         reason.describe().find("more than 3 restarts") != std::string::npos &&
         idle.wait() == weft::ExitReason::shutdown();
  });
  std::puts(ok ? "supervision: ok" : "supervision: FAILED");
  return ok ? 0 : 1;
}
