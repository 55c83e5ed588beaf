// What the I/O tests share: running a body in a fiber on a named reactor, and bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <weft/weft.hpp>

namespace net_test {

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

inline std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

inline std::string text(std::span<const std::byte> data) {
  return std::string(reinterpret_cast<const char*>(data.data()), data.size());
}

}  // namespace net_test
