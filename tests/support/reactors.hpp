// Running a test body in a fiber of a runtime with a named reactor (epoll, poll, select).
#pragma once

#include <string>

#include <weft/weft.hpp>

namespace test_support {

inline weft::RuntimeOptions with_reactor(const std::string& name) {
  weft::RuntimeOptions options;
  options.reactor = [name] { return weft::sched::make_reactor(name); };
  return options;
}

template <class Body>
void run_on(const std::string& reactor, Body body) {
  weft::Runtime runtime(with_reactor(reactor));
  runtime.run(body);
}

}  // namespace test_support
