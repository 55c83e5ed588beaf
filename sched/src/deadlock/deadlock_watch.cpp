// The grace period before a deadlock verdict (see deadlock_watch.hpp).
#include "deadlock/deadlock_watch.hpp"

#include <dirent.h>

namespace weft::sched::detail {

std::optional<Duration> DeadlockWatch::grace_left(bool all_stuck, std::uint64_t progress) {
  if (since_ && at_wakeups_ != progress) since_.reset();
  if (!all_stuck || !other_threads_exist()) return std::nullopt;
  // The idle wait may end early, so the time is measured, not counted.
  const auto now = std::chrono::steady_clock::now();
  if (!since_) {
    since_ = now;
    at_wakeups_ = progress;
  }
  const auto elapsed = now - *since_;
  if (elapsed >= kGrace) return std::nullopt;
  return std::chrono::duration_cast<Duration>(kGrace - elapsed);
}

bool DeadlockWatch::other_threads_exist() noexcept {
  // Counting /proc/self/task is slow, but it only runs when a deadlock is suspected.
  DIR* tasks = ::opendir("/proc/self/task");
  if (tasks == nullptr) return true;
  int threads = 0;
  while (dirent* entry = ::readdir(tasks))
    if (entry->d_name[0] != '.') ++threads;
  ::closedir(tasks);
  // A helper counted in the directory but not yet marked (or unmarked, not yet gone)
  // makes this true: a grace period too many, never one too few.
  return threads - helpers_.load(std::memory_order_relaxed) > 1;
}

}  // namespace weft::sched::detail
