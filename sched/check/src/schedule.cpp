// Schedules as printable strings and files: encoding, parsing, reading, writing.
#include "weft/check/schedule.hpp"

#include <fstream>
#include <sstream>

namespace weft::check {

namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kPrefix = "weft1:";

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
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t'))
    text.remove_suffix(1);
  if (text.substr(0, kPrefix.size()) != kPrefix)
    return fail("a schedule starts with \"weft1:\" (got \"" + std::string(text.substr(0, 12)) + "\")");
  text.remove_prefix(kPrefix.size());
  Schedule schedule;
  for (std::size_t i = 0; i < text.size(); ++i) {
    Decision d;
    switch (text[i]) {
      case '!': d.kind = DecisionKind::Waiter; ++i; break;
      case '%': d.kind = DecisionKind::SpuriousWakeup; ++i; break;
      case '^': d.kind = DecisionKind::CasFailure; ++i; break;
      case '~': d.kind = DecisionKind::Data; ++i; break;
      default: break;
    }
    if (i >= text.size()) return fail("the schedule ends inside a decision");
    if (text[i] == '{') {
      auto close = text.find('}', i);
      if (close == std::string_view::npos) return fail("unclosed '{' at position " + std::to_string(i));
      std::uint64_t value = 0;
      for (std::size_t j = i + 1; j < close; ++j) {
        if (text[j] < '0' || text[j] > '9') return fail("bad number at position " + std::to_string(j));
        value = value * 10 + static_cast<std::uint64_t>(text[j] - '0');
        if (value > 0xffffffffu) return fail("choice too large at position " + std::to_string(i));
      }
      d.choice = static_cast<std::uint32_t>(value);
      i = close;
    } else {
      int v = digit_value(text[i]);
      if (v < 0) return fail(std::string("unexpected character '") + text[i] + "' at position " +
                             std::to_string(i + kPrefix.size()));
      d.choice = static_cast<std::uint32_t>(v);
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
