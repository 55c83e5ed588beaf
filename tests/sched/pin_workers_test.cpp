// Pinned workers (RuntimeOptions::pin_workers, WEFT_PIN_WORKERS): worker i runs on the
// i-th CPU the caller may use, wrapping around; the caller gets its mask back when
// run() returns, also when run() throws; the blocking pool's threads run on all the
// caller's CPUs, not on the one of the worker that started them; a bad
// WEFT_PIN_WORKERS is refused.
#include <catch2/catch.hpp>

#include <sched.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

namespace {

std::vector<int> cpus_of(const cpu_set_t& set) {
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  return cpus;
}

std::vector<int> my_cpus() {
  cpu_set_t set;
  REQUIRE(::sched_getaffinity(0, sizeof set, &set) == 0);
  return cpus_of(set);
}

void allow_only(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  REQUIRE(::sched_setaffinity(0, sizeof set, &set) == 0);
}

weft::RuntimeOptions pinned(std::size_t workers) {
  weft::RuntimeOptions options;
  options.workers = workers;
  options.pin_workers = true;
  return options;
}

// On `workers` pinned workers, a fiber pinned to each (spawn_on) checks, across yields,
// that it runs on its worker's CPU; returns each worker's CPU as stats() tells it.
std::vector<int> run_pinned(std::size_t workers, const std::vector<int>& cpus) {
  return weft::run(
      [&] {
        std::vector<weft::JoinHandle<void>> fibers;
        for (std::size_t w = 0; w < workers; ++w)
          fibers.push_back(weft::spawn_on(w, [w, &cpus] {
            const int expected = cpus[w % cpus.size()];
            for (int round = 0; round < 200; ++round) {
              CHECK(::sched_getcpu() == expected);
              CHECK(my_cpus() == std::vector<int>{expected});
              weft::this_fiber::yield();
            }
          }));
        for (auto& f : fibers) f.join();
        std::vector<int> seen;
        for (const auto& w : weft::stats().workers) seen.push_back(w.cpu);
        return seen;
      },
      pinned(workers));
}

}  // namespace

TEST_CASE("each pinned worker runs on its own CPU, and the caller gets its mask back", "[pin]") {
  const std::vector<int> cpus = my_cpus();
  for (std::size_t workers : {std::size_t{2}, cpus.size() + 1}) {  // the second wraps around
    CAPTURE(workers);
    const std::vector<int> seen = run_pinned(workers, cpus);
    REQUIRE(seen.size() == workers);
    for (std::size_t w = 0; w < workers; ++w) CHECK(seen[w] == cpus[w % cpus.size()]);
    CHECK(my_cpus() == cpus);
  }
}

TEST_CASE("pinning follows the caller's mask at run(): one allowed CPU takes every worker", "[pin]") {
  const std::vector<int> cpus = my_cpus();
  const std::vector<int> one = {cpus.back()};
  allow_only(one);
  const std::vector<int> seen = run_pinned(3, one);
  CHECK(seen == std::vector<int>(3, one.front()));
  CHECK(my_cpus() == one);
  allow_only(cpus);
}

TEST_CASE("unpinned workers report no CPU", "[pin]") {
  weft::RuntimeOptions options;
  options.workers = 2;
  const int cpu = weft::run([] { return weft::stats().workers.back().cpu; }, options);
  CHECK(cpu == -1);
}

TEST_CASE("a run that throws gives the caller its mask back", "[pin]") {
  const std::vector<int> cpus = my_cpus();
  CHECK_THROWS_WITH(weft::run([]() -> int { throw std::runtime_error("boom"); }, pinned(2)), "boom");
  CHECK(my_cpus() == cpus);
  weft::RuntimeOptions deadlocking = pinned(2);
  CHECK_THROWS_AS(weft::run(
                      [] {
                        weft::Channel<int> never;
                        (void)never.recv();
                      },
                      deadlocking),
                  weft::DeadlockError);
  CHECK(my_cpus() == cpus);
}

TEST_CASE("blocking() runs on all the caller's CPUs, not on its worker's one", "[pin]") {
  const std::vector<int> cpus = my_cpus();
  const std::vector<int> pool_cpus =
      weft::run([] { return weft::blocking([] { return my_cpus(); }); }, pinned(2));
  CHECK(pool_cpus == cpus);
}

TEST_CASE("WEFT_PIN_WORKERS: 1 pins, 0 does not, anything else is refused", "[pin]") {
  const char* outer = std::getenv("WEFT_PIN_WORKERS");
  const std::string restore = outer ? outer : "";
  weft::RuntimeOptions two;
  two.workers = 2;
  auto first_cpu = [&] { return weft::run([] { return weft::stats().workers.front().cpu; }, two); };
  ::setenv("WEFT_PIN_WORKERS", "1", 1);
  CHECK(first_cpu() == my_cpus().front());
  ::setenv("WEFT_PIN_WORKERS", "0", 1);
  CHECK(first_cpu() == -1);
  ::setenv("WEFT_PIN_WORKERS", "yes", 1);
  CHECK_THROWS_WITH(weft::Runtime(two), Catch::Contains("WEFT_PIN_WORKERS='yes'"));
  if (restore.empty())
    ::unsetenv("WEFT_PIN_WORKERS");
  else
    ::setenv("WEFT_PIN_WORKERS", restore.c_str(), 1);
}
