// The two report formats: an aligned table for people, one JSON object per line for tools.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "runner.hpp"

namespace weft::bench {

namespace {

// Three or four significant digits: 5.31, 54.2, 4530; two below 0.01: 0.00052.
std::string number(double v) {
  char text[64];
  const double a = std::fabs(v);
  const char* format = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.01 || a == 0 ? "%.2f" : "%.2g";
  std::snprintf(text, sizeof text, format, v);
  return text;
}

std::string spread(const Stats& s) {
  return number(s.median) + " (" + number(s.min) + ".." + number(s.max) + ")";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char text[64];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", ch);
          out += escaped;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace

void print_table(std::ostream& out, const std::vector<Row>& rows) {
  if (rows.empty()) return;   // every case skipped (the notes are on stderr)
  using Line = std::vector<std::string>;
  std::vector<Line> lines = {{"case", "unit", "weft median (min..max)", "peer",
                              "peer median (min..max)", "ratio"}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    // The case and weft's figures head each group of peers.
    const bool first = i == 0 || rows[i - 1].quantity != r.quantity;
    auto ratio = r.ratio();
    lines.push_back({first ? r.quantity : "", first ? r.unit : "", first ? spread(r.weft) : "",
                     r.peer, r.peer_stats ? spread(*r.peer_stats) : "skipped (" + r.skipped + ")",
                     ratio ? number(*ratio) + "x" : "-"});
  }
  std::vector<std::size_t> width(lines.front().size(), 0);
  for (const Line& line : lines)
    for (std::size_t col = 0; col < line.size(); ++col)
      width[col] = std::max(width[col], line[col].size());
  for (const Line& line : lines) {
    std::string text;
    for (std::size_t col = 0; col < line.size(); ++col) {
      text += line[col];
      if (col + 1 < line.size()) text += std::string(width[col] - line[col].size() + 2, ' ');
    }
    out << text << "\n";
  }
  if (!rows.empty())
    out << "\n" << rows.front().runs << " runs per side, weft and peers alternating; "
        << "ratio = how many times better weft is than the peer (> 1: weft better).\n";
}

void print_json(std::ostream& out, const Row& row) {
  auto ratio = row.ratio();
  out << "{\"case\":" << json_string(row.quantity) << ",\"unit\":" << json_string(row.unit)
      << ",\"better\":" << (row.better == Better::Lower ? "\"lower\"" : "\"higher\"")
      << ",\"weft\":" << json_number(row.weft.median)
      << ",\"weft_min\":" << json_number(row.weft.min)
      << ",\"weft_max\":" << json_number(row.weft.max) << ",\"peer\":" << json_string(row.peer);
  if (row.peer_stats) {
    out << ",\"peer_value\":" << json_number(row.peer_stats->median)
        << ",\"peer_min\":" << json_number(row.peer_stats->min)
        << ",\"peer_max\":" << json_number(row.peer_stats->max);
  } else {
    out << ",\"peer_value\":null,\"peer_min\":null,\"peer_max\":null,\"skipped\":"
        << json_string(row.skipped);
  }
  out << ",\"ratio\":" << (ratio ? json_number(*ratio) : "null") << ",\"runs\":" << row.runs
      << "}\n";
}

}  // namespace weft::bench
