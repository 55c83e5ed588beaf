// FiberLocal<T>: one value per fiber, created on first use, destroyed when the fiber ends.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include <weft/weft.hpp>

namespace {

// Counts live instances and remembers which fiber destroyed each one. Atomic and locked:
// the fibers end on several workers.
struct Counted {
  static inline std::atomic<int> alive{0};
  static inline std::atomic<int> destroyed{0};
  static inline std::mutex destroyed_on_lock;
  static inline std::vector<weft::FiberId> destroyed_on;

  int value = 0;
  Counted() { ++alive; }
  Counted(const Counted& other) : value(other.value) { ++alive; }
  Counted& operator=(const Counted&) = default;
  ~Counted() {
    --alive;
    ++destroyed;
    std::lock_guard guard(destroyed_on_lock);
    destroyed_on.push_back(weft::this_fiber::id());
  }

  static void reset_counts() {
    alive = 0;
    destroyed = 0;
    std::lock_guard guard(destroyed_on_lock);
    destroyed_on.clear();
  }
};

}  // namespace

TEST_CASE("each fiber sees its own FiberLocal value", "[fiber_local]") {
  weft::FiberLocal<int> local;
  std::vector<int> seen;
  weft::run([&] {
    std::vector<weft::JoinHandle<int>> handles;  // each returns what it saw last
    for (int i = 1; i <= 3; ++i) {
      handles.push_back(weft::spawn([&, i] {
        CHECK_FALSE(local.has_value());
        CHECK(local.get() == 0);  // default-initialised on first use
        CHECK(local.has_value());
        local.get() = i * 10;
        for (int round = 0; round < 3; ++round) {
          weft::this_fiber::yield();  // the others write their own values meanwhile
          CHECK(*local == i * 10);
          ++*local;
          --*local;
        }
        return local.get();
      }));
    }
    local.get() = 99;  // the main fiber has a value of its own
    for (auto& h : handles) seen.push_back(h.join());
    CHECK(local.get() == 99);
  });
  CHECK(seen == std::vector<int>{10, 20, 30});
}

TEST_CASE("FiberLocal uses its init function for each fiber's first value", "[fiber_local]") {
  std::atomic<int> calls{0};  // atomic: a and b may call it at once on two workers
  weft::FiberLocal<std::string> local([&calls] { return "fresh-" + std::to_string(++calls); });
  weft::run([&] {
    auto a = weft::spawn([&] {
      std::string first = local.get();
      local->append("!");
      return first + "/" + local.get();
    });
    auto b = weft::spawn([&] { return local.get(); });
    const std::string a_result = a.join(), b_result = b.join();
    // Which of the two called init first depends on the workers: each got a call of its own.
    const std::string a_first = a_result.substr(0, a_result.find('/'));
    CHECK(a_result == a_first + "/" + a_first + "!");
    CHECK_THAT((std::vector<std::string>{a_first, b_result}),
               Catch::Matchers::UnorderedEquals(std::vector<std::string>{"fresh-1", "fresh-2"}));
  });
  CHECK(calls == 2);
}

TEST_CASE("FiberLocal values are destroyed on their fiber when it ends", "[fiber_local]") {
  Counted::reset_counts();
  weft::FiberLocal<Counted> local;
  std::vector<weft::FiberId> ids;
  weft::run([&] {
    std::vector<weft::JoinHandle<void>> handles;
    for (int i = 0; i < 5; ++i) {
      handles.push_back(weft::spawn([&, i] {
        local->value = i;
        weft::this_fiber::yield();
        CHECK(local->value == i);
      }));
      ids.push_back(handles.back().id());
    }
    // A fiber that never touches the local creates no value.
    weft::spawn([] { weft::this_fiber::yield(); }).join();
    for (auto& h : handles) {
      h.join();
    }
    // Joined fibers have already destroyed their values.
    CHECK(Counted::alive == 0);
    CHECK(Counted::destroyed == 5);
  });
  CHECK(Counted::destroyed == 5);
  CHECK_THAT(Counted::destroyed_on, Catch::Matchers::UnorderedEquals(ids));
}

TEST_CASE("FiberLocal::reset destroys the value and the next get starts afresh",
          "[fiber_local]") {
  Counted::reset_counts();
  weft::FiberLocal<Counted> local;
  weft::run([&] {
    local->value = 7;
    CHECK(Counted::alive == 1);
    local.reset();
    CHECK(Counted::alive == 0);
    CHECK(Counted::destroyed == 1);
    CHECK_FALSE(local.has_value());
    CHECK(local->value == 0);
    CHECK(local.has_value());
    local.reset();
    local.reset();  // resetting an absent value does nothing
    CHECK(Counted::destroyed == 2);
  });
  CHECK(Counted::alive == 0);
}

TEST_CASE("several FiberLocals in one fiber are independent", "[fiber_local]") {
  weft::FiberLocal<int> a;
  weft::FiberLocal<int> b([] { return 5; });
  weft::run([&] {
    *a = 1;
    CHECK(*b == 5);
    *b = 2;
    a.reset();
    CHECK(*a == 0);
    CHECK(*b == 2);
  });
}

TEST_CASE("FiberLocal outside a fiber throws UsageError", "[fiber_local][usage]") {
  weft::FiberLocal<int> local;
  CHECK_THROWS_AS(local.get(), weft::UsageError);
  CHECK_THROWS_AS(local.has_value(), weft::UsageError);
  CHECK_THROWS_AS(local.reset(), weft::UsageError);
  CHECK_THROWS_WITH(*local, Catch::Matchers::Contains("FiberLocal") &&
                                Catch::Matchers::Contains("not called from a weft fiber"));
}
