// What must survive a context switch: objects on a fiber's stack (destroyed in order,
// once) and the exception-handling state of each fiber.
#include <catch2/catch.hpp>

#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/weft.hpp>

#include "support/child_process.hpp"

namespace {

// Records its construction and destruction in a shared log.
class Tracer {
 public:
  Tracer(std::vector<std::string>& log, std::string name) : log_(log), name_(std::move(name)) {
    log_.push_back("+" + name_);
  }
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;
  ~Tracer() { log_.push_back("-" + name_); }

 private:
  std::vector<std::string>& log_;
  std::string name_;
};

struct TaggedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

TEST_CASE("objects on fiber stacks are destroyed in reverse order across yields",
          "[switch][raii]") {
  std::vector<std::string> log;
  weft::run([&] {
    auto worker = [&log](std::string tag) {
      return [&log, tag] {
        Tracer outer(log, tag + "1");
        weft::this_fiber::yield();
        {
          Tracer inner(log, tag + "2");
          weft::this_fiber::yield();
        }
        Tracer last(log, tag + "3");
        weft::this_fiber::yield();
      };
    };
    auto a = weft::spawn(worker("a"));
    auto b = weft::spawn(worker("b"));
    a.join();
    b.join();
  });
  const std::vector<std::string> expected{"+a1", "+b1", "+a2", "+b2", "-a2", "+a3",
                                          "-b2", "+b3", "-a3", "-a1", "-b3", "-b1"};
  CHECK(log == expected);
}

TEST_CASE("exceptions thrown and caught inside fibers across yields", "[switch][exceptions]") {
  std::vector<std::string> log;
  weft::run([&] {
    auto thrower = [&log](std::string tag) {
      return [&log, tag] {
        for (int round = 0; round < 2; ++round) {
          try {
            Tracer guard(log, tag);
            weft::this_fiber::yield();  // the other fiber throws and catches meanwhile
            throw TaggedError(tag + " failed");
          } catch (const TaggedError& e) {
            log.push_back("caught " + std::string(e.what()));
          }
          CHECK(std::uncaught_exceptions() == 0);
          weft::this_fiber::yield();
        }
      };
    };
    auto a = weft::spawn(thrower("a"));
    auto b = weft::spawn(thrower("b"));
    a.join();
    b.join();
  });
  const std::vector<std::string> one_round{"+a", "+b", "-a", "caught a failed",
                                           "-b", "caught b failed"};
  std::vector<std::string> expected;
  for (int round = 0; round < 2; ++round)
    for (const std::string& line : one_round) expected.push_back(line);
  CHECK(log == expected);
}

TEST_CASE("an exception thrown after a yield reaches join with its message intact",
          "[switch][exceptions]") {
  weft::run([] {
    auto h = weft::spawn([]() -> int {
      std::vector<std::string> local{"kept", "across", "switches"};
      weft::this_fiber::yield();
      if (local.size() == 3) throw TaggedError("after " + local[1] + " a yield");
      return 0;
    });
    auto other = weft::spawn([] {
      for (int i = 0; i < 3; ++i) weft::this_fiber::yield();
    });
    CHECK_THROWS_WITH(h.join(), "after across a yield");
    other.join();
  });
}

// The scenarios below yield while inside a catch block, so the other fiber's throw and
// catch happen in between. The C++ runtime keeps the list of exceptions being handled
// (__cxa_get_globals()->caughtExceptions) per kernel thread, so the kernel must save and
// restore it on every switch. They run in a child process because, when it is not
// restored, one fiber's catch block ends the other's exception, which is then used after
// being freed.
namespace {

// Runs two fibers `a` and `b` of body(tag, out) in a child; returns its stdout lines.
template <class Body>
std::vector<std::string> run_pair_in_child(Body body) {
  weft_test::ChildResult child = weft_test::run_in_child([body] {
    weft::run([body] {
      auto a = weft::spawn([body] { body("a"); });
      auto b = weft::spawn([body] { body("b"); });
      a.join();
      b.join();
    });
  });
  INFO("child stderr: " << child.err);
  CHECK(child.exited_ok());
  std::vector<std::string> lines;
  std::string line;
  for (char c : child.out) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  return lines;
}

void say(const std::string& text) {
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

}  // namespace

TEST_CASE("a caught exception stays valid across a yield inside its catch block",
          "[switch][exceptions]") {
  auto lines = run_pair_in_child([](const std::string& tag) {
    try {
      throw TaggedError(tag + " failed");
    } catch (const TaggedError& e) {
      weft::this_fiber::yield();
      weft::this_fiber::yield();
      say(tag + " caught " + e.what());
    }
  });
  CHECK_THAT(lines, Catch::Matchers::UnorderedEquals(
                        std::vector<std::string>{"a caught a failed", "b caught b failed"}));
}

TEST_CASE("throw; after a yield rethrows the fiber's own exception",
          "[switch][exceptions]") {
  auto lines = run_pair_in_child([](const std::string& tag) {
    try {
      throw TaggedError(tag);
    } catch (const TaggedError&) {
      weft::this_fiber::yield();
      try {
        throw;
      } catch (const TaggedError& again) {
        say(tag + " rethrew " + again.what());
      }
      weft::this_fiber::yield();
    }
  });
  CHECK_THAT(lines, Catch::Matchers::UnorderedEquals(
                        std::vector<std::string>{"a rethrew a", "b rethrew b"}));
}

TEST_CASE("std::current_exception after a yield is the fiber's own exception",
          "[switch][exceptions]") {
  auto lines = run_pair_in_child([](const std::string& tag) {
    try {
      throw TaggedError(tag);
    } catch (...) {
      weft::this_fiber::yield();
      std::exception_ptr current = std::current_exception();
      weft::this_fiber::yield();
      try {
        std::rethrow_exception(current);
      } catch (const TaggedError& e) {
        say(tag + " holds " + e.what());
      }
    }
  });
  CHECK_THAT(lines,
             Catch::Matchers::UnorderedEquals(std::vector<std::string>{"a holds a", "b holds b"}));
}
