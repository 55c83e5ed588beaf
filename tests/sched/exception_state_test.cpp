// Each fiber keeps its own C++ exception state across switches: fibers may block inside
// catch blocks and rethrow afterwards.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "weft/weft.hpp"

TEST_CASE("fibers blocking inside catch blocks keep their own current exception", "[exceptions]") {
  std::string seen_a, seen_b;
  weft::run([&] {
    auto a = weft::spawn([&] {
      try {
        throw std::runtime_error("from a");
      } catch (...) {
        weft::this_fiber::yield();
        weft::this_fiber::yield();
        try {
          throw;  // rethrows a's exception, not b's
        } catch (const std::exception& e) {
          seen_a = e.what();
        }
      }
    });
    auto b = weft::spawn([&] {
      try {
        throw std::runtime_error("from b");
      } catch (...) {
        weft::this_fiber::yield();
        try {
          throw;
        } catch (const std::exception& e) {
          seen_b = e.what();
        }
        weft::this_fiber::yield();
      }
    });
    a.join();
    b.join();
  });
  CHECK(seen_a == "from a");
  CHECK(seen_b == "from b");
}

TEST_CASE("std::uncaught_exceptions is per fiber", "[exceptions]") {
  int inside_unwinding = -1, other_fiber = -1;
  struct Probe {
    int& out;
    ~Probe() {
      weft::this_fiber::yield();  // block while this fiber unwinds
      out = std::uncaught_exceptions();
    }
  };
  weft::run([&] {
    auto unwinding = weft::spawn([&] {
      try {
        Probe probe{inside_unwinding};
        throw std::runtime_error("unwinding");
      } catch (const std::exception&) {
      }
    });
    auto other = weft::spawn([&] {
      weft::this_fiber::yield();
      other_fiber = std::uncaught_exceptions();  // runs while the first one unwinds
    });
    unwinding.join();
    other.join();
  });
  CHECK(inside_unwinding == 1);
  CHECK(other_fiber == 0);
}
