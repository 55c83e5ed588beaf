// An Executor of 8 worker fibers runs 100 tasks twice.
//
// Each task "works" for a few milliseconds (a fiber sleep of 1-20 ms that depends on its
// input), so tasks finish in a different order than they were submitted. First
// Executor::map returns the 100 results in input order. Then the 100 tasks are
// submitted one by one and their futures are visited with as_completed, in the order
// they finish; task 42 throws, and its exception surfaces at its own future while the
// other 99 deliver their values.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "weft/weft.hpp"

using namespace std::chrono_literals;

namespace {

constexpr int kTasks = 100;
constexpr int kFailing = 42;

// 1-20 ms of "work", scrambled so completion order differs from input order.
std::chrono::milliseconds work_time(int x) { return std::chrono::milliseconds(1 + (x * 37) % 20); }

long square_slowly(int x) {
  weft::this_fiber::sleep_for(work_time(x));
  return long{x} * x;
}

double ms_since(weft::TimePoint start) {
  return std::chrono::duration<double, std::milli>(weft::now() - start).count();
}

}  // namespace

int main() {
  return weft::run([] {
    weft::Executor pool(weft::ExecutorOptions{.workers = 8, .queue_capacity = 16, .name = "pool"});
    std::vector<int> inputs;
    for (int i = 0; i < kTasks; ++i) inputs.push_back(i);
    long total_work_ms = 0;
    for (int x : inputs) total_work_ms += work_time(x).count();

    // 1. map: results in input order.
    auto start = weft::now();
    std::vector<long> squares = pool.map(square_slowly, inputs);
    bool in_order = squares.size() == inputs.size();
    for (int i = 0; in_order && i < kTasks; ++i) in_order = squares[i] == long{i} * i;
    std::printf("map: %zu results in %.0f ms (%ld ms of work on 8 workers), first ten:", squares.size(),
                ms_since(start), total_work_ms);
    for (int i = 0; i < 10; ++i) std::printf(" %ld", squares[i]);
    std::printf("\nmap: results are in input order: %s\n", in_order ? "yes" : "NO");

    // 2. submit + as_completed: results in completion order; one task fails.
    start = weft::now();
    std::vector<weft::Future<long>> futures;
    for (int x : inputs)
      futures.push_back(pool.submit([x] {
        if (x == kFailing) {
          weft::this_fiber::sleep_for(work_time(x));
          throw std::runtime_error("task " + std::to_string(x) + " could not finish");
        }
        return square_slowly(x);
      }));

    weft::AsCompleted<long> completed(futures);
    std::vector<int> order;
    int values = 0, failures = 0;
    std::string failure;
    while (std::optional<std::size_t> i = completed.next()) {
      order.push_back(int(*i));
      try {
        (void)futures[*i].get();
        ++values;
      } catch (const std::exception& e) {
        ++failures;
        failure = "future " + std::to_string(*i) + " threw: " + e.what();
      }
    }
    std::printf("as_completed: %zu futures in %.0f ms, first fifteen in completion order:", order.size(),
                ms_since(start));
    for (int k = 0; k < 15; ++k) std::printf(" %d", order[k]);
    std::printf("\nas_completed: %d values, %d failure -- %s\n", values, failures, failure.c_str());

    pool.shutdown();
    const bool ok = in_order && values == kTasks - 1 && failures == 1 &&
                    int(order.size()) == kTasks;
    std::printf("%s\n", ok ? "ok: map kept input order, as_completed followed completion"
                           : "UNEXPECTED RESULT");
    return ok ? 0 : 1;
  });
}
