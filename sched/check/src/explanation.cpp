// User sites and object names of a failing run's re-run (see explanation.hpp).
#include "explanation.hpp"

#include "controller.hpp"

namespace weft::check::detail {

void Explanation::note_site(std::size_t step, std::source_location where) {
  if (!inside_weft(where.file_name())) return;
  Site user = user_frame();
  if (!user) return;
  if (step >= user_sites_.size()) user_sites_.resize(step + 1);
  user_sites_[step] = user;
}

void Explanation::note_name(const void* object, const char* name) { names_[object] = name; }

std::string Explanation::site(std::size_t step, std::source_location where) const {
  if (step < user_sites_.size() && user_sites_[step]) {
    std::string file = user_sites_[step].file;
    if (auto slash = file.find_last_of('/'); slash != std::string::npos) file.erase(0, slash + 1);
    return file + ":" + std::to_string(user_sites_[step].line);
  }
  return site_of(where);
}

const std::string* Explanation::name(const void* object) const {
  auto it = names_.find(object);
  return it == names_.end() ? nullptr : &it->second;
}

}  // namespace weft::check::detail
