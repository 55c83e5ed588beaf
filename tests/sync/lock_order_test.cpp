// Lock-order checking: inversions are reported with both fibers and both locks named.
#include <catch2/catch.hpp>

#include <memory>
#include <mutex>

#include "support/sync_support.hpp"
#include "weft/weft.hpp"

namespace {

// Turns checking on for one test case, with a fresh graph, and off again afterwards.
struct CheckingOn {
  CheckingOn() {
    weft::LockOrderChecker::global().reset();
    weft::set_lock_order_checking(true);
  }
  ~CheckingOn() {
    weft::set_lock_order_checking(false);
    weft::LockOrderChecker::global().reset();
  }
};

}  // namespace

TEST_CASE("Lock order: taking two mutexes in opposite orders is reported", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex a("accounts"), b("ledger");
    auto first = weft::spawn(
        [&] {
          std::lock_guard ga(a);
          std::lock_guard gb(b);
        },
        {.name = "transfer"});
    first.join();
    CHECK(weft::LockOrderChecker::global().edge_count() == 1);
    auto second = weft::spawn(
        [&] {
          std::lock_guard gb(b);
          try {
            a.lock();
            a.unlock();
            FAIL("the inversion was not reported");
          } catch (const weft::LockOrderError& e) {
            CHECK(e.fiber() == "fiber 'audit' (#" + std::to_string(weft::this_fiber::id()) + ")");
            CHECK_THAT(e.other_fiber(), Catch::Contains("'transfer'"));
            CHECK(e.acquiring() == "mutex 'accounts'");
            CHECK(e.held() == "mutex 'ledger'");
            CHECK_THAT(e.what(), Catch::Contains("'audit'") && Catch::Contains("'transfer'") &&
                                     Catch::Contains("'accounts'") &&
                                     Catch::Contains("'ledger'"));
          }
          CHECK_FALSE(a.is_locked());  // refused before it blocked or took anything
        },
        {.name = "audit"});
    second.join();
  });
}

TEST_CASE("Lock order: a consistent order and try_lock are accepted", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex a("a"), b("b");
    for (int i = 0; i < 3; ++i) {
      auto f = weft::spawn([&] {
        std::lock_guard ga(a);
        std::lock_guard gb(b);
      });
      f.join();
    }
    CHECK(weft::LockOrderChecker::global().edge_count() == 1);
    // try_lock cannot wait forever: it is not checked, but what it takes counts as held.
    std::lock_guard gb(b);
    REQUIRE(a.try_lock());
    a.unlock();
  });
}

TEST_CASE("Lock order: an inversion through a chain of locks is reported", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex a("a"), b("b"), c("c");
    {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    }
    {
      std::lock_guard gb(b);
      std::lock_guard gc(c);
    }
    std::lock_guard gc(c);
    CHECK_THROWS_WITH(a.lock(), Catch::Contains("mutex 'a' -> mutex 'b'") &&
                                    Catch::Contains("mutex 'b' -> mutex 'c'"));
  });
}

TEST_CASE("Lock order: weft::lock keeps a consistent order; checking off reports nothing",
          "[lock_order]") {
  {
    CheckingOn on;
    weft::run([] {
      weft::Mutex a("a"), b("b");
      weft::ScopedLock one(a, b);
      weft::this_fiber::yield();
    });
    weft::run([] {
      weft::Mutex a("a"), b("b");
      for (int i = 0; i < 2; ++i) {
        weft::ScopedLock one(b, a);
      }
      weft::ScopedLock two(a, b);
    });
  }
  weft::run([] {
    weft::Mutex a("a"), b("b");
    {
      std::lock_guard ga(a);
      std::lock_guard gb(b);
    }
    std::lock_guard gb(b);
    std::lock_guard ga(a);  // inverted, but checking is off
  });
  CHECK(weft::LockOrderChecker::global().edge_count() == 0);
}

TEST_CASE("Lock order: a destroyed mutex takes its edges with it", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex a("a");
    {
      weft::Mutex b("b");
      std::lock_guard ga(a);
      std::lock_guard gb(b);
      CHECK(weft::LockOrderChecker::global().edge_count() == 1);
    }
    CHECK(weft::LockOrderChecker::global().edge_count() == 0);
  });
}

TEST_CASE("Lock order: RecursiveMutex takes part with its outermost lock", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::RecursiveMutex r("r");
    weft::Mutex m("m");
    {
      std::lock_guard gr(r);
      std::lock_guard gr2(r);
      std::lock_guard gm(m);
    }
    std::lock_guard gm(m);
    CHECK_THROWS_AS(r.lock(), weft::LockOrderError);
  });
}

TEST_CASE("Lock order: a mutex destroyed while held leaves its owner's held set",
          "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex a("a");
    a.lock();
    {
      auto doomed = std::make_unique<weft::Mutex>("doomed");
      doomed->lock();
    }  // a lock still held is simply dropped
    weft::Mutex b("b");
    CHECK_NOTHROW(b.lock());  // walks the held set: the dropped lock must not be in it
    b.unlock();
    a.unlock();
    CHECK(weft::LockOrderChecker::global().edge_count() == 1);  // a -> b only
  });
}

TEST_CASE("Lock order: a fiber that ends holding a mutex lets go of it", "[lock_order]") {
  CheckingOn on;
  weft::run([] {
    weft::Mutex m("m");
    weft::spawn([&] { m.lock(); }).join();  // ends holding m: its held set goes
    // The lock was dropped with its holder; destroying m must not touch that set.
  });
  SUCCEED();
}

TEST_CASE("weft::lock orders std::unique_lock wrappers by their mutexes", "[lock]") {
  weft::run([] {
    struct Account {
      weft::Mutex m;
      int balance = 100;
    };
    auto transfer = [](Account& from, Account& to, int amount) {
      std::unique_lock l1(from.m, std::defer_lock), l2(to.m, std::defer_lock);
      weft::lock(l1, l2);  // wrappers on this fiber's stack: ordered by the mutexes
      from.balance -= amount;
      weft::this_fiber::yield();
      to.balance += amount;
    };
    Account x, y;
    x.m.lock();  // both transfers queue up behind it, each holding its first lock
    auto t1 = weft::spawn([&] { transfer(x, y, 10); });
    weft::this_fiber::yield();
    auto t2 = weft::spawn([&] { transfer(y, x, 20); });
    weft::this_fiber::yield();
    x.m.unlock();
    t1.join();
    t2.join();
    CHECK(x.balance == 110);
    CHECK(y.balance == 90);
    std::unique_lock same1(x.m, std::defer_lock), same2(x.m, std::defer_lock);
    CHECK_THROWS_AS(weft::lock(same1, same2), weft::UsageError);  // one mutex twice
  });
}
