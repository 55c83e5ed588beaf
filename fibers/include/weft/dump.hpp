// Introspection: what every fiber is doing.
#pragma once

#include <iosfwd>
#include <string>

namespace weft {

// Writes one line per live fiber of the calling thread's runtime: id, name, state, and
// for a blocked fiber what it waits on. Defaults to stderr.
void dump();
void dump(std::ostream& out);
// The same as a string.
std::string dump_string();

}  // namespace weft
