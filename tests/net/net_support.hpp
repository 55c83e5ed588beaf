// What the I/O tests share: running a body in a fiber on a named reactor, and bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <weft/weft.hpp>

#include "support/reactors.hpp"

namespace net_test {

using test_support::run_on;

inline std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

inline std::string text(std::span<const std::byte> data) {
  return std::string(reinterpret_cast<const char*>(data.data()), data.size());
}

}  // namespace net_test
