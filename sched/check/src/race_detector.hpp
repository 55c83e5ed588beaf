// Happens-before race detection on tracked memory with vector clocks. Fibers are the
// run's fiber numbers; sync objects (mutexes, channels, fibers for spawn/join) carry
// the clock of their last release.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "address_map.hpp"

namespace weft::check::detail {

class VectorClock {
 public:
  std::uint32_t get(std::size_t fiber) const noexcept {
    return fiber < ticks_.size() ? ticks_[fiber] : 0;
  }
  void set(std::size_t fiber, std::uint32_t value);
  void join(const VectorClock& other);
  void clear() noexcept { ticks_.clear(); }  // all zero; keeps the buffer

 private:
  std::vector<std::uint32_t> ticks_;
};

struct AccessSite {
  std::size_t fiber = 0;
  std::uint32_t epoch = 0;  // the fiber's own tick at the access
  bool write = false;
  std::source_location where;  // rendered only for a race report
};

struct Race {
  AccessSite earlier;
  AccessSite later;
};

class RaceDetector {
 public:
  // Forgets every clock and access: the next run starts from nothing (memory is kept).
  void reset() noexcept;
  void fiber_started(std::size_t fiber);
  void release(std::size_t fiber, const void* object);
  void acquire(std::size_t fiber, const void* object);
  // Checks an access against earlier ones; returns the race it completes, if any.
  std::optional<Race> access(std::size_t fiber, const void* object, bool write, std::source_location where);

 private:
  VectorClock& clock(std::size_t fiber) { return fiber < fiber_count_ ? fibers_[fiber] : first_clock(fiber); }
  VectorClock& first_clock(std::size_t fiber);  // a fiber's first look in this run
  bool ordered(const AccessSite& earlier, std::size_t fiber) {
    return earlier.fiber == fiber || earlier.epoch <= clock(fiber).get(earlier.fiber);
  }

  struct Variable {
    std::optional<AccessSite> last_write;
    std::vector<AccessSite> reads;  // since the last write, one per fiber
    void clear() noexcept {
      last_write.reset();
      reads.clear();
    }
  };
  std::vector<VectorClock> fibers_;  // the first fiber_count_ belong to this run
  std::size_t fiber_count_ = 0;
  AddressMap<VectorClock> sync_;
  AddressMap<Variable> variables_;
};

}  // namespace weft::check::detail
