// WEFT_LOCK_ORDER=1 in the environment turns lock-order checking on (this program is
// registered with that variable set).
#include <catch2/catch.hpp>

#include <mutex>

#include "weft/weft.hpp"

TEST_CASE("Lock order: WEFT_LOCK_ORDER=1 enables checking", "[lock_order]") {
  REQUIRE(weft::lock_order_checking());
  weft::run([] {
    weft::Mutex a("a"), b("b");
    {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    }
    std::lock_guard gb(b);
    CHECK_THROWS_AS(a.lock(), weft::LockOrderError);
  });
}
