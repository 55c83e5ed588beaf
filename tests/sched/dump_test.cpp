// weft::dump: one line per live fiber with its name, state and what it waits on.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include <weft/weft.hpp>

using Catch::Matchers::Contains;

namespace {

// The line of `text` that mentions `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find(needle) != std::string::npos) return line;
  return "";
}

}  // namespace

TEST_CASE("dump lists live fibers with names, states and waits", "[dump]") {
  weft::run([] {
    bool open = false;
    weft::sched::Fiber* gated = nullptr;
    auto parked = weft::spawn(
        [&] {
          gated = weft::sched::current_fiber();
          while (!open) weft::sched::park(weft::sched::WaitRecord{weft::sched::WaitKind::Event, &open, "test gate"});
        },
        {.name = "gate-keeper"});
    auto sleeper = weft::spawn([] { weft::this_fiber::sleep_for(std::chrono::milliseconds(5)); },
                               {.name = "napper"});
    auto joiner = weft::spawn([&] { parked.join(); }, {.name = "joiner"});
    weft::this_fiber::yield();  // gate-keeper, napper and joiner run and block
    auto queued = weft::spawn([] {}, {.name = "not-started"});

    const std::string text = weft::dump_string();
    INFO(text);
    CHECK_THAT(text, Contains("5 live fibers"));
    CHECK_THAT(line_with(text, "'main'"), Contains("running"));
    CHECK_THAT(line_with(text, "'gate-keeper'"),
               Contains("parked") && Contains("event") && Contains("test gate"));
    CHECK_THAT(line_with(text, "'napper'"), Contains("parked") && Contains("sleep"));
    CHECK_THAT(line_with(text, "'joiner'"),
               Contains("parked") && Contains("join") && Contains("gate-keeper"));
    CHECK_THAT(line_with(text, "'not-started'"), Contains("ready"));
    CHECK_THAT(line_with(text, "'gate-keeper'"), Contains("#" + std::to_string(gated->id())));

    std::ostringstream streamed;
    weft::dump(streamed);
    CHECK_THAT(streamed.str(), Contains("'gate-keeper'"));

    open = true;
    weft::sched::unpark(*gated);
    joiner.join();
    sleeper.join();
    queued.join();
    const std::string after = weft::dump_string();
    INFO(after);
    CHECK_THAT(after, Contains("1 live fibers"));
    CHECK(line_with(after, "'gate-keeper'").empty());
  });
}

TEST_CASE("dump outside a runtime says there is none", "[dump]") {
  CHECK_THAT(weft::dump_string(), Contains("no runtime"));
}
