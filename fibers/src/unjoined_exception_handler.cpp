// The unjoined-exception handler: where exceptions of fibers nobody joined are reported.
#include <atomic>
#include <cstdio>
#include <mutex>

#include "weft/spawn.hpp"

namespace weft {

namespace {

std::mutex g_handler_mutex;
UnjoinedExceptionHandler g_handler;
std::atomic<std::size_t> g_count{0};

std::string describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "(an exception not derived from std::exception)";
  }
}

}  // namespace

UnjoinedExceptionHandler set_unjoined_exception_handler(UnjoinedExceptionHandler handler) {
  std::lock_guard guard(g_handler_mutex);
  return std::exchange(g_handler, std::move(handler));
}

std::size_t unjoined_exception_count() noexcept { return g_count.load(); }

namespace detail {

void report_unjoined(FiberId id, const std::string& name, std::exception_ptr error) noexcept {
  g_count.fetch_add(1);
  if (sched::Instrumentation* hooks = sched::detail::instrumentation()) {
    // Under the checker a lost exception is a failure of the run.
    try {
      hooks->on_fiber_failed(id, name, describe(error).c_str());
    } catch (...) {
    }
    return;
  }
  UnjoinedExceptionHandler handler;
  {
    std::lock_guard guard(g_handler_mutex);
    handler = g_handler;
  }
  try {
    if (handler) {
      handler(id, name, error);
      return;
    }
    std::fprintf(stderr, "weft: fiber #%llu '%s' ended with an exception nobody joined: %s\n",
                 static_cast<unsigned long long>(id), name.c_str(), describe(error).c_str());
  } catch (...) {
    std::fprintf(stderr, "weft: fiber #%llu '%s' ended with an exception nobody joined\n",
                 static_cast<unsigned long long>(id), name.c_str());
  }
}

}  // namespace detail
}  // namespace weft
