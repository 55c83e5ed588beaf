// What only the re-run that renders a failing run records (see explore.cpp): the user's
// code behind each step whose recorded site is inside weft (a lock taken through
// std::lock_guard records weft's own lock()), and the names of named objects. A run that
// explores records none of it.
#pragma once

#include <cstddef>
#include <source_location>
#include <string>
#include <unordered_map>
#include <vector>

#include "user_site.hpp"

namespace weft::check::detail {

class Explanation {
 public:
  // At the schedule point of `step`, from the fiber that is there: walks its stack when
  // `where` is inside weft.
  void note_site(std::size_t step, std::source_location where);
  void note_name(const void* object, const char* name);

  // "file:line" of `step`: the user's frame if one was found, else `where`.
  std::string site(std::size_t step, std::source_location where) const;
  // The name `object` was given, or empty.
  const std::string* name(const void* object) const;

 private:
  std::vector<Site> user_sites_;  // by step
  std::unordered_map<const void*, std::string> names_;
};

}  // namespace weft::check::detail
