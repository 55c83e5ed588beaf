// Vector-clock race detection on tracked memory (see race_detector.hpp).
#include "race_detector.hpp"

#include <algorithm>

namespace weft::check::detail {

void VectorClock::set(std::size_t fiber, std::uint32_t value) {
  if (fiber >= ticks_.size()) ticks_.resize(fiber + 1, 0);
  ticks_[fiber] = value;
}

void VectorClock::join(const VectorClock& other) {
  if (other.ticks_.size() > ticks_.size()) ticks_.resize(other.ticks_.size(), 0);
  for (std::size_t i = 0; i < other.ticks_.size(); ++i)
    ticks_[i] = std::max(ticks_[i], other.ticks_[i]);
}

void RaceDetector::reset() noexcept {
  fiber_count_ = 0;
  sync_.clear();
  variables_.clear();
}

VectorClock& RaceDetector::first_clock(std::size_t fiber) {
  if (fiber >= fibers_.size()) fibers_.resize(fiber + 1);
  for (std::size_t i = fiber_count_; i <= fiber; ++i) {
    fibers_[i].clear();  // may hold an earlier run's ticks
    fibers_[i].set(i, 1);
  }
  fiber_count_ = fiber + 1;
  return fibers_[fiber];
}

void RaceDetector::fiber_started(std::size_t fiber) { clock(fiber); }

void RaceDetector::release(std::size_t fiber, const void* object) {
  VectorClock& own = clock(fiber);
  sync_[object].join(own);
  own.set(fiber, own.get(fiber) + 1);  // later accesses are not covered by this release
}

void RaceDetector::acquire(std::size_t fiber, const void* object) {
  if (const VectorClock* released = sync_.find(object)) clock(fiber).join(*released);
}

std::optional<Race> RaceDetector::access(std::size_t fiber, const void* object, bool write,
                                         std::source_location where) {
  AccessSite site{fiber, clock(fiber).get(fiber), write, where};
  Variable& var = variables_[object];
  if (var.last_write && !ordered(*var.last_write, fiber)) return Race{*var.last_write, site};
  if (write) {
    for (const AccessSite& read : var.reads)
      if (!ordered(read, fiber)) return Race{read, site};
    var.last_write = site;
    var.reads.clear();
  } else {
    auto same = std::find_if(var.reads.begin(), var.reads.end(),
                             [&](const AccessSite& r) { return r.fiber == fiber; });
    if (same != var.reads.end())
      *same = site;
    else
      var.reads.push_back(site);
  }
  return std::nullopt;
}

}  // namespace weft::check::detail
