// when_any: a future that is ready when the first of several futures is.
//
// Each call starts one helper fiber on the calling fiber's runtime; it parks in
// wait_any (one wait ticket with a node in every input's queue, no polling) and then
// completes the returned future with the index and the inputs. To wait in the calling
// fiber itself, without a helper, use wait_any (weft/future/wait_any.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/future/wait_any.hpp"
#include "weft/spawn.hpp"

namespace weft {

// The outcome of when_any: which input was ready first, and all inputs (futures[index]
// is ready; the others may still be pending).
template <class T>
struct WhenAnyResult {
  std::size_t index;
  std::vector<Future<T>> futures;
};

// A future that becomes ready as soon as one input is ready (a failed or broken input
// counts as ready; its exception stays in its own future). If several are ready, index
// names the one that completed first. Throws UsageError if `futures` is empty or holds
// an invalid future, or outside a fiber. The inputs move into the result.
template <class T>
Future<WhenAnyResult<T>> when_any(std::vector<Future<T>> futures) {
  if (futures.empty()) throw UsageError("weft::when_any: no futures to wait for");
  (void)detail::states_of(futures, "weft::when_any");  // validates every input
  struct Job {
    std::vector<Future<T>> futures;
    Promise<WhenAnyResult<T>> promise;
  };
  // Shared, not moved into the lambda: spawn needs a copyable function.
  auto job = std::make_shared<Job>(Job{std::move(futures), Promise<WhenAnyResult<T>>()});
  Future<WhenAnyResult<T>> result = job->promise.get_future();
  weft::spawn(
      [job] {
        std::size_t index = wait_any(job->futures);
        job->promise.set_value(WhenAnyResult<T>{index, std::move(job->futures)});
      },
      SpawnOptions{.name = "when_any"})
      .detach();
  return result;
}

}  // namespace weft
