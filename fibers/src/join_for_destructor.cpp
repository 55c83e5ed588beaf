// Joining a timer's driver fiber from a destructor, without throwing (join_for_destructor.hpp).
#include "join_for_destructor.hpp"

#include <exception>
#include <string>

namespace weft::detail {

void join_for_destructor(JoinHandle<void>& driver) noexcept {
  if (!driver.joinable()) return;
  sched::Fiber* self = sched::current_fiber();
  if (self == nullptr) {
    driver.detach();  // nothing to wait with; a failure is reported when it is released
    return;
  }
  bool cancelled = false;
  try {
    const FiberId id = driver.id();
    const std::string name = driver.name();
    for (;;) {
      try {
        driver.join();
        break;
      } catch (const sched::detail::Unwind&) {
        throw;
      } catch (...) {
        if (driver.joinable()) {  // the caller was cancelled: keep waiting
          cancelled = true;
          continue;
        }
        report_unjoined(id, name, std::current_exception());
        break;
      }
    }
  } catch (...) {  // the runtime unwinds the caller (or out of memory): let the driver go
    if (driver.joinable()) driver.detach();
  }
  if (cancelled) self->request_cancel();
}

}  // namespace weft::detail
