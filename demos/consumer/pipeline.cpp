// The pipeline's stages: each one a fiber, each hand-off a channel.
#include "pipeline.hpp"

#include "weft/weft.hpp"

namespace pipeline {

std::int64_t sum_of_squares(int count, std::size_t capacity) {
  weft::Channel<int> numbers(capacity);
  weft::Channel<std::int64_t> squares(capacity);

  auto generator = weft::spawn(
      [&] {
        for (int n = 1; n <= count; ++n)
          if (numbers.send(n) != weft::ChannelStatus::ok) break;
        numbers.close();
      },
      {.name = "generator"});
  auto squarer = weft::spawn(
      [&] {
        for (int n : numbers)
          if (squares.send(std::int64_t{n} * n) != weft::ChannelStatus::ok) break;
        squares.close();
      },
      {.name = "squarer"});

  std::int64_t sum = 0;
  for (std::int64_t square : squares) sum += square;  // until closed and drained
  generator.join();
  squarer.join();
  return sum;
}

std::int64_t run_sum_of_squares(int count, std::size_t capacity) {
  return weft::run([=] { return sum_of_squares(count, capacity); });
}

}  // namespace pipeline
