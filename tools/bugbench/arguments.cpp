// The command line of weft-bugbench.
#include <charconv>
#include <limits>
#include <string_view>

#include "bugbench.hpp"

namespace weft::bugbench {

const char* const kUsage = R"(usage: weft-bugbench [options]
  Explores every must-fail scenario of the catalogue until its first failure, then its
  fixed twin (<name>_fixed) for the whole budget, and prints one row per bug.
options:
  --iterations N        schedules per bug (default 10000)
  --twin-iterations N   schedules per fixed twin (default: the bugs' budget)
  --seed S              (default 1)
  --filter TEXT         only the bugs whose name contains TEXT
  --strategy NAME       portfolio (default), random, pct, dfs
  --json                one JSON object per line instead of the table
exit status: 0 every bug found and every twin passed, 1 otherwise, 2 usage error
)";

namespace {

std::uint64_t whole_number(std::string_view flag, std::string_view text, std::uint64_t min,
                           std::uint64_t max) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    throw BadArguments{std::string(flag) + " wants a whole number from " + std::to_string(min) +
                       " to " + std::to_string(max) + ", not '" + std::string(text) + "'"};
  return value;
}

check::StrategySpec strategy_named(std::string_view name) {
  if (name == "portfolio") return check::Portfolio{};
  if (name == "random") return check::Random{};
  if (name == "pct") return check::Pct{};
  if (name == "dfs") return check::Dfs{};
  throw BadArguments{"--strategy wants portfolio, random, pct or dfs, not '" + std::string(name) + "'"};
}

}  // namespace

std::optional<Settings> parse_arguments(int argc, char** argv) {
  constexpr std::uint64_t kMaxBudget = 1'000'000'000;
  Settings settings;
  std::optional<std::size_t> twin_iterations;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") return std::nullopt;
    if (flag == "--json") {
      settings.json = true;
      continue;
    }
    if (flag != "--iterations" && flag != "--twin-iterations" && flag != "--seed" &&
        flag != "--filter" && flag != "--strategy")
      throw BadArguments{"unknown argument '" + std::string(flag) + "'"};
    if (i + 1 == argc) throw BadArguments{std::string(flag) + " needs a value"};
    std::string_view value = argv[++i];
    if (flag == "--iterations")
      settings.iterations = whole_number(flag, value, 1, kMaxBudget);
    else if (flag == "--twin-iterations")
      twin_iterations = whole_number(flag, value, 1, kMaxBudget);
    else if (flag == "--seed")
      settings.seed = whole_number(flag, value, 0, std::numeric_limits<std::uint64_t>::max());
    else if (flag == "--filter")
      settings.filter = value;
    else
      settings.strategy = strategy_named(value);
  }
  settings.twin_iterations = twin_iterations.value_or(settings.iterations);
  return settings;
}

}  // namespace weft::bugbench
