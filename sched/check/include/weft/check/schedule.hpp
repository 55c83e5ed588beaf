// A schedule: every choice one run of a scenario made, in order. Printable as a compact
// versioned string ("weft1:..."), so a failing run can be pasted into a test or
// WEFT_REPLAY and replayed exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/sched/instrumentation.hpp"

namespace weft::check {

// What a decision chose between.
enum class DecisionKind : std::uint8_t {
  Schedule,        // which fiber runs next
  Waiter,          // which waiter a notify_one wakes
  SpuriousWakeup,  // wake a condition-variable waiter spuriously (1) or not (0)
  CasFailure,      // fail a compare_exchange_weak spuriously (1) or not (0)
  Data,            // a scenario's own check::choose(n)
};

DecisionKind to_decision(sched::Choice choice) noexcept;

struct Decision {
  DecisionKind kind = DecisionKind::Schedule;
  std::uint32_t choice = 0;
  bool operator==(const Decision&) const = default;
};

struct Schedule {
  std::vector<Decision> decisions;

  // "weft1:" followed by one token per decision: a base-62 digit (or "{N}" for N >= 62),
  // prefixed by '!' (waiter), '%' (spurious wake-up), '^' (CAS failure) or '~' (data)
  // for decisions that do not pick a fiber.
  std::string to_string() const;
  // Parses to_string()'s format, ignoring white space around it. When malformed, returns
  // nullopt and sets `error` to one printable line naming the position (counted from the
  // start of `text`); bytes that are not printable ASCII are shown as \xHH.
  static std::optional<Schedule> parse(std::string_view text, std::string* error = nullptr);

  bool operator==(const Schedule&) const = default;
};

// Reads a schedule from a file holding its string (surrounding white space ignored).
std::optional<Schedule> read_schedule_file(const std::string& path, std::string* error = nullptr);
bool write_schedule_file(const std::string& path, const Schedule& schedule);

}  // namespace weft::check
