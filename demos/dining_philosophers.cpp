// Dining philosophers: five philosophers around a table, one chopstick between each pair.
// Each needs both neighbouring chopsticks to eat. Taking the left one and then the right
// one deadlocks as soon as everyone holds their left chopstick; weft::ScopedLock takes
// both in one global order (by address), so some philosopher can always finish.
//
// Lock-order checking is on as well: it would report any pair of chopsticks taken in
// opposite orders. The demo exits non-zero unless everyone ate every meal.
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

int main() {
  constexpr int kPhilosophers = 5;
  constexpr int kMeals = 4;
  weft::set_lock_order_checking(true);

  std::array<int, kPhilosophers> meals{};
  weft::run([&] {
    std::array<std::unique_ptr<weft::Mutex>, kPhilosophers> chopsticks;
    for (int i = 0; i < kPhilosophers; ++i)
      chopsticks[i] = std::make_unique<weft::Mutex>("chopstick " + std::to_string(i));

    std::vector<weft::JoinHandle<void>> philosophers;
    for (int p = 0; p < kPhilosophers; ++p) {
      philosophers.push_back(weft::spawn(
          [&, p] {
            weft::Mutex& left = *chopsticks[p];
            weft::Mutex& right = *chopsticks[(p + 1) % kPhilosophers];
            for (int meal = 1; meal <= kMeals; ++meal) {
              weft::this_fiber::sleep_for(std::chrono::milliseconds(1 + p % 3));  // think
              weft::ScopedLock both(left, right);
              std::printf("  philosopher %d eats meal %d with %s and %s\n", p, meal,
                          left.name().c_str(), right.name().c_str());
              weft::this_fiber::sleep_for(2ms);  // eat, holding both
              ++meals[p];
            }
          },
          {.name = "philosopher " + std::to_string(p)}));
    }
    for (auto& ph : philosophers) ph.join();
  });

  bool ok = true;
  for (int p = 0; p < kPhilosophers; ++p) {
    std::printf("philosopher %d ate %d/%d meals\n", p, meals[p], kMeals);
    ok = ok && meals[p] == kMeals;
  }
  std::printf(ok ? "no deadlock: everyone ate\n" : "someone went hungry\n");
  return ok ? 0 : 1;
}
