// Runs a measurement under Boost.Fiber's work_stealing scheduler on `threads` kernel
// threads: every thread of the pool installs the algorithm (Boost requires it), the
// helpers sleep on a fiber condition until `body` is done on the calling thread. A
// thread keeps its algorithm for good, so a case that uses this runs isolated.
// `suspend`: Boost's option to sleep when there is no work (its default, false, spins).
#pragma once

#if WEFT_BENCH_BOOST_FIBER
#include <boost/fiber/algo/work_stealing.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::bench {

template <class Body>
auto on_boost_work_stealing(std::uint32_t threads, Body body, bool suspend = false) {
  boost::fibers::mutex done_mutex;
  boost::fibers::condition_variable_any done_cv;
  bool done = false;
  std::vector<std::thread> helpers;
  for (std::uint32_t i = 1; i < threads; ++i)
    helpers.emplace_back([&] {
      boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(threads, suspend);
      std::unique_lock lock(done_mutex);
      done_cv.wait(lock, [&] { return done; });
    });
  boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(threads, suspend);
  struct Finish {  // also when body throws
    boost::fibers::mutex& m;
    boost::fibers::condition_variable_any& cv;
    bool& done;
    std::vector<std::thread>& helpers;
    ~Finish() {
      {
        std::unique_lock lock(m);
        done = true;
      }
      cv.notify_all();
      for (auto& h : helpers) h.join();
    }
  } finish{done_mutex, done_cv, done, helpers};
  return body();
}

}  // namespace weft::bench
#endif
