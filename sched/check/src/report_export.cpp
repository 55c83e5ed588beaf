// Chrome trace-event JSON and a self-contained HTML timeline of a failing run.
#include <cstdio>
#include <ostream>

#include "weft/check/explore.hpp"

namespace weft::check {

namespace {

void json_string(std::ostream& out, const std::string& s) {
  out << '"';
  for (char c : s) {
    switch (c) {
      case '"': out << "\\\""; break;
      case '\\': out << "\\\\"; break;
      case '\n': out << "\\n"; break;
      case '\t': out << "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out << buf;
        } else {
          out << c;
        }
    }
  }
  out << '"';
}

}  // namespace

void Report::write_chrome_trace(std::ostream& out) const {
  // One microsecond per step; one thread lane per fiber.
  out << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[";
  bool first = true;
  std::vector<bool> named;
  for (const TraceEvent& e : trace) {
    if (e.fiber >= named.size()) named.resize(e.fiber + 1, false);
    if (!named[e.fiber]) {
      named[e.fiber] = true;
      out << (first ? "" : ",") << "\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":"
          << e.fiber << ",\"args\":{\"name\":";
      json_string(out, e.fiber_name);
      out << "}}";
      first = false;
    }
    std::string name = e.op == sched::Op::Custom && !e.note.empty() ? e.note : sched::to_string(e.op);
    out << ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":" << e.fiber << ",\"ts\":" << e.step
        << ",\"dur\":1,\"name\":";
    json_string(out, name);
    out << ",\"args\":{\"object\":";
    json_string(out, e.object);
    out << ",\"site\":";
    json_string(out, e.location);
    out << ",\"note\":";
    json_string(out, e.note);
    out << "}}";
  }
  out << "\n],\"otherData\":{\"scenario\":";
  json_string(out, scenario);
  out << ",\"failure\":";
  json_string(out, check::to_string(kind));
  out << ",\"message\":";
  json_string(out, message);
  out << ",\"schedule\":";
  json_string(out, shrunk_schedule.empty() ? schedule : shrunk_schedule);
  out << "}}\n";
}

void Report::write_html(std::ostream& out) const {
  // The page draws itself from the embedded trace: one lane per fiber, a cell per step.
  out << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>weft-check: ";
  out << scenario << "</title>\n<style>\n"
      << "body{font:13px system-ui,sans-serif;margin:16px;color:#222}\n"
      << "h1{font-size:18px}pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}\n"
      << ".grid{display:grid;gap:1px;overflow-x:auto;margin-top:12px}\n"
      << ".lane{font-weight:600;padding:2px 6px;white-space:nowrap;position:sticky;left:0;background:#fff}\n"
      << ".cell{width:18px;height:22px;border-radius:2px}\n"
      << ".fail{outline:3px solid #d00}\n#info{margin-top:10px;min-height:2em}\n"
      << ".legend span{display:inline-block;margin-right:10px}\n"
      << ".legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}\n"
      << "</style></head><body>\n<h1>weft-check: scenario '" << scenario << "' — "
      << check::to_string(kind) << "</h1>\n<pre id=\"msg\"></pre>\n<div class=\"legend\" id=\"legend\"></div>\n"
      << "<div class=\"grid\" id=\"grid\"></div>\n<div id=\"info\">Hover a step for details.</div>\n"
      << "<script>\nconst report = {message: ";
  json_string(out, message);
  out << ", schedule: ";
  json_string(out, shrunk_schedule.empty() ? schedule : shrunk_schedule);
  out << ", trace: [";
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const TraceEvent& e = trace[i];
    out << (i ? "," : "") << "\n[" << e.step << "," << e.fiber << ",";
    json_string(out, e.fiber_name);
    out << ",";
    json_string(out, e.op == sched::Op::Custom && !e.note.empty() ? e.note : sched::to_string(e.op));
    out << ",";
    json_string(out, e.object);
    out << ",";
    json_string(out, e.location);
    out << ",";
    json_string(out, e.note);
    out << "]";
  }
  out << "]};\n"
      << "const colours = {spawn:'#8e44ad',join:'#2c3e50',yield:'#bdc3c7',sleep:'#95a5a6',\n"
      << " lock:'#e67e22',unlock:'#f5b041',wait:'#16a085',notify:'#48c9b0',send:'#2980b9',\n"
      << " recv:'#5dade2',select:'#1abc9c',close:'#34495e',load:'#27ae60',store:'#c0392b',\n"
      << " 'read-modify-write':'#e74c3c',park:'#e84393',finished:'#000',unwound:'#ddd'};\n"
      << "document.getElementById('msg').textContent = report.message + '\\nschedule: ' + report.schedule;\n"
      << "const fibers = [...new Map(report.trace.map(e => [e[1], e[2]])).entries()].sort((a,b)=>a[0]-b[0]);\n"
      << "const grid = document.getElementById('grid');\n"
      << "grid.style.gridTemplateColumns = 'max-content repeat(' + report.trace.length + ', 18px)';\n"
      << "const failing = report.trace.findIndex(e => e[6].includes('failed here'));\n"
      << "for (const [id, name] of fibers) {\n"
      << "  const lane = document.createElement('div'); lane.className = 'lane'; lane.textContent = name; grid.appendChild(lane);\n"
      << "  report.trace.forEach((e, i) => {\n"
      << "    const c = document.createElement('div'); c.className = 'cell';\n"
      << "    if (e[1] === id) { c.style.background = colours[e[3]] || '#999';\n"
      << "      if (i === failing) c.classList.add('fail');\n"
      << "      c.title = 'step ' + e[0] + ': ' + e[3] + ' ' + e[4] + ' at ' + e[5] + (e[6] ? ' (' + e[6] + ')' : '');\n"
      << "      c.onmouseenter = () => document.getElementById('info').textContent = c.title; }\n"
      << "    grid.appendChild(c); }); }\n"
      << "const legend = document.getElementById('legend');\n"
      << "for (const [op, col] of Object.entries(colours)) { const s = document.createElement('span');\n"
      << "  s.innerHTML = '<i style=\"background:' + col + '\"></i>' + op; legend.appendChild(s); }\n"
      << "</script></body></html>\n";
}

}  // namespace weft::check
