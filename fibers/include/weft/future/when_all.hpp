// when_all: one future for the results of several.
//
// Each call starts one helper fiber on the calling fiber's runtime. The helper waits for
// the inputs in order and then completes the returned future, so the caller may keep
// working and wait on (or wait_any over) the combined future later. Call from a fiber.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/spawn.hpp"

namespace weft {

// The result type of Future<T> in a tuple: T, or std::monostate for void.
template <class T>
using WhenAllValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace detail {

template <class T>
void require_valid(const Future<T>& f, const char* call) {
  if (!f.valid()) throw UsageError(std::string(call) + ": an argument is not a valid future");
}

// get() of a ready future as an optional, recording the first exception in `first`.
template <class T>
std::optional<WhenAllValue<T>> take_or_record(Future<T>& f, std::exception_ptr& first) {
  try {
    if constexpr (std::is_void_v<T>) {
      f.get();
      return std::monostate{};
    } else {
      return f.get();
    }
  } catch (...) {
    if (!first) first = std::current_exception();
    return std::nullopt;
  }
}

}  // namespace detail

// A future of every input's value, in input order, ready once every input is ready. If
// any input failed, it holds the exception of the first failing input (in input order)
// and the other results are dropped. An empty vector gives a ready future. Throws
// UsageError for an invalid input or outside a fiber. The inputs are consumed.
template <class T>
auto when_all(std::vector<Future<T>> futures)
    -> Future<std::conditional_t<std::is_void_v<T>, void, std::vector<WhenAllValue<T>>>> {
  using Result = std::conditional_t<std::is_void_v<T>, void, std::vector<WhenAllValue<T>>>;
  for (const Future<T>& f : futures) detail::require_valid(f, "weft::when_all");
  struct Job {
    std::vector<Future<T>> futures;
    Promise<Result> promise;
  };
  // Shared, not moved into the lambda: spawn needs a copyable function.
  auto job = std::make_shared<Job>(Job{std::move(futures), Promise<Result>()});
  Future<Result> result = job->promise.get_future();
  weft::spawn(
      [job] {
        auto& [futures, promise] = *job;
        for (Future<T>& f : futures) f.wait();
        std::exception_ptr first;
        if constexpr (std::is_void_v<T>) {
          for (Future<T>& f : futures) detail::take_or_record(f, first);
          if (first)
            promise.set_exception(first);
          else
            promise.set_value();
        } else {
          std::vector<T> values;
          values.reserve(futures.size());
          for (Future<T>& f : futures)
            if (auto v = detail::take_or_record(f, first)) values.push_back(std::move(*v));
          if (first)
            promise.set_exception(first);
          else
            promise.set_value(std::move(values));
        }
      },
      SpawnOptions{.name = "when_all"})
      .detach();
  return result;
}

// A future of a tuple of the inputs' values (void inputs give std::monostate), ready
// once every input is ready; exceptions as for the vector form (first in argument
// order). Throws UsageError for an invalid input or outside a fiber.
template <class... Ts>
  requires(sizeof...(Ts) > 0)
auto when_all(Future<Ts>... futures) -> Future<std::tuple<WhenAllValue<Ts>...>> {
  using Result = std::tuple<WhenAllValue<Ts>...>;
  (detail::require_valid(futures, "weft::when_all"), ...);
  struct Job {
    std::tuple<Future<Ts>...> inputs;
    Promise<Result> promise;
  };
  auto job = std::make_shared<Job>(Job{{std::move(futures)...}, Promise<Result>()});
  Future<Result> result = job->promise.get_future();
  weft::spawn(
      [job] {
        auto& [inputs, promise] = *job;
        std::apply([](auto&... f) { (f.wait(), ...); }, inputs);
        std::exception_ptr first;
        // Braced initialisation evaluates left to right: the first failure is recorded
        // in argument order.
        auto taken = std::apply(
            [&first](auto&... f) {
              return std::tuple<std::optional<WhenAllValue<Ts>>...>{
                  detail::take_or_record(f, first)...};
            },
            inputs);
        if (first) {
          promise.set_exception(first);
          return;
        }
        promise.set_value(std::apply(
            [](auto&... v) { return Result{std::move(*v)...}; }, taken));
      },
      SpawnOptions{.name = "when_all"})
      .detach();
  return result;
}

}  // namespace weft
