// weft::dump: the kernel's fiber listing as user API (weft/dump.hpp).
#include "weft/dump.hpp"

#include <iostream>
#include <sstream>

#include "weft/sched/scheduler.hpp"

namespace weft {

void dump() { dump(std::cerr); }
void dump(std::ostream& out) { sched::dump(out); }

std::string dump_string() {
  std::ostringstream out;
  dump(out);
  return out.str();
}

}  // namespace weft
