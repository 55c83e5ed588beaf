// weft::SharedMutex: a fiber-aware readers-writer lock with writer preference.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>

#include "weft/sched/fiber.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/detail/timed_waitable.hpp"

namespace weft {

// Many fibers may hold it shared (readers) or one exclusively (a writer). Writer
// preference: once a writer waits, new readers queue behind it, and an unlocking writer
// hands the lock to the next waiting writer (FIFO) before admitting the waiting readers
// as one batch. Readers therefore cannot starve writers, but a steady stream of writers
// can starve readers. Satisfies the std SharedTimedLockable requirements
// (std::unique_lock, std::shared_lock). Usable from fibers on any thread; unlocking makes
// the holder's writes visible to the next holders. Not recursive in either mode (a
// reader that locks shared again may deadlock behind a waiting writer). Lock-order
// checking does not cover it.
class SharedMutex : public detail::TimedWaitable<SharedMutex> {
 public:
  SharedMutex() = default;
  // `name` appears in dumps and usage errors.
  explicit SharedMutex(std::string name) : name_(std::move(name)) {}
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;
  // Precondition: no fiber holds it or waits for it.
  ~SharedMutex();

  // ---- exclusive (writer) ----
  // Blocks until the calling fiber holds it exclusively. Throws Cancelled if cancelled
  // while waiting; UsageError if the caller already holds it exclusively or is not a fiber.
  void lock();
  // Takes it exclusively if nobody holds it; never blocks.
  [[nodiscard]] bool try_lock();
  // Blocks until held exclusively (true) or the timeout passed (false); Cancelled as lock().
  using detail::TimedWaitable<SharedMutex>::try_lock_for;
  // As try_lock_for, with a deadline of any clock (the runtime's: weft::now()).
  [[nodiscard]] bool try_lock_until(TimePoint deadline);
  using detail::TimedWaitable<SharedMutex>::try_lock_until;
  // Releases exclusive ownership. Throws UsageError, naming both fibers, when the caller
  // is not the writer holding it.
  void unlock();

  // ---- shared (reader) ----
  // Blocks until the calling fiber holds it shared. Throws Cancelled if cancelled while
  // waiting; UsageError if the caller holds it exclusively or is not a fiber.
  void lock_shared();
  // Takes it shared if no writer holds it or waits for it; never blocks.
  [[nodiscard]] bool try_lock_shared();
  // Blocks until held shared (true) or the timeout passed (false); Cancelled as lock_shared().
  using detail::TimedWaitable<SharedMutex>::try_lock_shared_for;
  // As try_lock_shared_for, with a deadline of any clock.
  [[nodiscard]] bool try_lock_shared_until(TimePoint deadline);
  using detail::TimedWaitable<SharedMutex>::try_lock_shared_until;
  // Releases one shared hold. Throws UsageError when nobody holds it shared (readers are
  // counted, not named, so another reader's hold cannot be told apart).
  void unlock_shared();

  // Snapshots, for diagnostics and tests.
  std::size_t reader_count() const noexcept;
  bool is_locked_exclusive() const noexcept;
  const std::string& name() const noexcept { return name_; }

 private:
  bool acquire(std::optional<TimePoint> deadline, const char* call);
  bool acquire_shared(std::optional<TimePoint> deadline, const char* call);
  void set_writer(sched::Fiber* fiber) noexcept;
  void hand_off() noexcept;
  void admit_readers() noexcept;
  std::string label() const;
  // A wait for it: its holder, if a writer, is named in deadlock reports.
  sched::WaitRecord wait_record() const noexcept {
    return {sched::WaitKind::Mutex, this, name_.c_str(), &writer_};
  }

  mutable sched::detail::SpinLock lock_;
  std::atomic<sched::Fiber*> writer_{nullptr};  // retained while it holds the lock
  std::size_t readers_ = 0;
  sched::WaitQueue waiting_writers_;
  sched::WaitQueue waiting_readers_;
  std::string name_;
};

}  // namespace weft
