// The text form of a report. (Chrome trace and HTML timeline: report_export.cpp.)
#include <cstdio>
#include <ostream>
#include <sstream>

#include "weft/check/explore.hpp"

namespace weft::check {

const char* to_string(FailureKind kind) noexcept {
  switch (kind) {
    case FailureKind::None: return "none";
    case FailureKind::Deadlock: return "deadlock";
    case FailureKind::Assertion: return "assertion failed";
    case FailureKind::Exception: return "exception";
    case FailureKind::DataRace: return "data race";
    case FailureKind::LockOrderInversion: return "lock-order inversion";
    case FailureKind::StepBound: return "step bound exceeded";
    case FailureKind::Diverged: return "replay diverged";
  }
  return "?";
}

std::string Report::to_string() const {
  std::ostringstream out;
  if (ok()) {
    out << "weft-check: scenario '" << scenario << "' passed: " << runs << " runs, strategy "
        << strategy << ", seed " << seed;
    if (exhaustive) out << "; explored all " << runs << " schedules";
    out << '\n';
    return out.str();
  }
  out << "weft-check: scenario '" << scenario << "' FAILED: " << check::to_string(kind) << "\n"
      << "  " << message << "\n"
      << "  strategy " << strategy << ", seed " << seed << ", run " << iteration + 1 << " of "
      << runs << "\n"
      << "  schedule:        " << schedule << "  (" << preemptions << " preemptions)\n";
  const std::string& best = shrunk_schedule.empty() ? schedule : shrunk_schedule;
  if (!shrunk_schedule.empty())
    out << "  shrunk schedule: " << shrunk_schedule << "  (" << shrunk_preemptions << " preemptions)\n";
  out << "  replay with:     WEFT_REPLAY_SCENARIO='" << scenario << "' WEFT_REPLAY='" << best
      << "' <your test binary>\n"
      << "               or: weft-check replay " << scenario << " '" << best << "'\n";
  if (!trace.empty()) {
    out << "  trace" << (shrunk_schedule.empty() ? "" : " of the shrunk schedule") << ":\n";
    constexpr std::size_t kShown = 400;
    std::size_t first = trace.size() > kShown ? trace.size() - kShown : 0;
    if (first) out << "    (" << first << " earlier steps omitted)\n";
    char line[512];
    std::snprintf(line, sizeof line, "    %6s  %-22s %-18s %-16s %s\n", "step", "fiber", "operation",
                  "object", "site");
    out << line;
    for (std::size_t i = first; i < trace.size(); ++i) {
      const TraceEvent& e = trace[i];
      // A step without an operation shows its note's first part as the operation
      // ("finished", "failed here") and the rest as its note.
      std::string op = sched::to_string(e.op);
      std::string note = e.note;
      if (e.op == sched::Op::Custom && !note.empty()) {
        const std::size_t cut = note.find("; ");
        op = note.substr(0, cut);
        note = cut == std::string::npos ? "" : note.substr(cut + 2);
      }
      std::snprintf(line, sizeof line, "    %6zu  %-22.22s %-18.18s %-16.16s %s%s%s\n", e.step,
                    e.fiber_name.c_str(), op.c_str(), e.object.c_str(), e.location.c_str(),
                    note.empty() ? "" : "  ", note.c_str());
      out << line;
    }
  }
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Report& report) { return out << report.to_string(); }

std::uint64_t trace_hash(const std::vector<TraceEvent>& trace) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
  };
  for (const TraceEvent& e : trace) {
    mix(std::to_string(e.fiber));
    mix(sched::to_string(e.op));
    mix(e.location);
    mix(e.note);
  }
  return h;
}

}  // namespace weft::check
