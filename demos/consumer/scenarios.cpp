// The pipeline as named checker scenarios. Linked with weft-check-main this program has
// the weft-check command line: `pipeline_scenarios list`, `run NAME`, `check-all`.
#include "pipeline.hpp"
#include "weft/check.hpp"
#include "weft/weft.hpp"

WEFT_SCENARIO(pipeline_rendezvous, "1..5 squared and summed over rendezvous channels") {
  WEFT_ASSERT(pipeline::sum_of_squares(5, 0) == 55);
}

WEFT_SCENARIO(pipeline_buffered, "1..5 squared and summed over channels of capacity 2") {
  WEFT_ASSERT(pipeline::sum_of_squares(5, 2) == 55);
}

WEFT_SCENARIO_MUST_FAIL(read_before_join, "the result is read before the fiber that writes it is joined") {
  weft::check::Shared<int> result{0};
  auto writer = weft::spawn([&] { result.store(55); });
  weft::this_fiber::yield();
  WEFT_ASSERT(result.load() == 55);
  writer.join();
}
