// Schedules as printable strings and files: encoding, parsing, reading, writing.
#include "weft/check/schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace weft::check {

namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kPrefix = "weft1:";
constexpr std::string_view kSpace = " \t\r\n";  // ignored around a schedule (files end in a newline)

char prefix_of(DecisionKind kind) {
  switch (kind) {
    case DecisionKind::Schedule: return 0;
    case DecisionKind::Waiter: return '!';
    case DecisionKind::SpuriousWakeup: return '%';
    case DecisionKind::CasFailure: return '^';
    case DecisionKind::Data: return '~';
  }
  return 0;
}

int digit_value(char c) {
  std::string_view digits(kDigits);
  auto at = digits.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<DecisionKind> kind_of_prefix(char c) {
  switch (c) {
    case '!': return DecisionKind::Waiter;
    case '%': return DecisionKind::SpuriousWakeup;
    case '^': return DecisionKind::CasFailure;
    case '~': return DecisionKind::Data;
    default: return std::nullopt;
  }
}

// A byte of the input as an error message shows it: printable ASCII as itself, anything
// else as \xHH, so a message never carries control characters or broken UTF-8.
std::string quoted(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, c);
  char hex[5];
  std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return hex;
}

std::string quoted(std::string_view text) {
  std::string out;
  for (char c : text) out += quoted(c);
  return out;
}

// The "{N}" starting at `open`: N is one or more decimal digits, at most 2^32 - 1.
// Leaves `at` on the closing brace.
std::optional<std::uint32_t> braced_number(std::string_view text, std::size_t& at, std::string& why) {
  const std::size_t open = at;
  const std::size_t close = text.find('}', open);
  if (close == std::string_view::npos) {
    why = "unclosed '{' at position " + std::to_string(open);
    return std::nullopt;
  }
  if (close == open + 1) {
    why = "empty '{}' at position " + std::to_string(open) + " (a choice is a number)";
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (std::size_t j = open + 1; j < close; ++j) {
    if (text[j] < '0' || text[j] > '9') {
      why = "unexpected character '" + quoted(text[j]) + "' in the number at position " + std::to_string(j);
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(text[j] - '0');
    if (value > std::numeric_limits<std::uint32_t>::max()) {
      why = "choice too large at position " + std::to_string(open) + " (at most " +
            std::to_string(std::numeric_limits<std::uint32_t>::max()) + ")";
      return std::nullopt;
    }
  }
  at = close;
  return static_cast<std::uint32_t>(value);
}

}  // namespace

DecisionKind to_decision(sched::Choice choice) noexcept {
  switch (choice) {
    case sched::Choice::Waiter: return DecisionKind::Waiter;
    case sched::Choice::SpuriousWakeup: return DecisionKind::SpuriousWakeup;
    case sched::Choice::CasFailure: return DecisionKind::CasFailure;
    case sched::Choice::Data: return DecisionKind::Data;
  }
  return DecisionKind::Data;
}

std::string Schedule::to_string() const {
  std::string out(kPrefix);
  for (const Decision& d : decisions) {
    if (char p = prefix_of(d.kind)) out += p;
    if (d.choice < 62)
      out += kDigits[d.choice];
    else
      out += "{" + std::to_string(d.choice) + "}";
  }
  return out;
}

std::optional<Schedule> Schedule::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Schedule> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  // Positions in messages count from the start of `text`, surrounding white space
  // included, so they point into exactly what the user gave.
  const std::size_t begin = std::min(text.find_first_not_of(kSpace), text.size());
  const std::size_t end = std::max(begin, text.find_last_not_of(kSpace) + 1);
  const std::string_view trimmed = text.substr(begin, end - begin);
  if (trimmed.substr(0, kPrefix.size()) != kPrefix)
    return fail("a schedule starts with \"weft1:\" (got \"" + quoted(trimmed.substr(0, 12)) + "\")");
  Schedule schedule;
  for (std::size_t at = begin + kPrefix.size(); at < end; ++at) {
    Decision d;
    if (auto kind = kind_of_prefix(text[at])) {
      d.kind = *kind;
      if (++at == end)
        return fail("the schedule ends after '" + quoted(text[at - 1]) + "' at position " +
                    std::to_string(at - 1) + ", which needs a choice after it");
    }
    if (text[at] == '{') {
      std::string why;
      auto choice = braced_number(text.substr(0, end), at, why);
      if (!choice) return fail(why);
      d.choice = *choice;
    } else {
      const int digit = digit_value(text[at]);
      if (digit < 0)
        return fail("unexpected character '" + quoted(text[at]) + "' at position " + std::to_string(at));
      d.choice = static_cast<std::uint32_t>(digit);
    }
    schedule.decisions.push_back(d);
  }
  return schedule;
}

std::optional<Schedule> read_schedule_file(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Schedule::parse(text.str(), error);
}

bool write_schedule_file(const std::string& path, const Schedule& schedule) {
  std::ofstream out(path);
  out << schedule.to_string() << '\n';
  return static_cast<bool>(out);
}

}  // namespace weft::check
