// The bounded task queue of an Executor, built on the kernel's claimed waits. Internal
// to weft's headers; not part of the API.
//
// One SpinLock guards a ring buffer of tasks and two wait queues: idle workers wait in
// `idle_` for a task, submitters wait in `space_` for a free slot. Wake-ups mean "look
// again" (each woken fiber re-checks under the lock), so a claim that loses to a
// timeout or cancel never loses a task or a slot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "weft/future/future.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft {
enum class ShutdownMode : std::uint8_t;
}

namespace weft::detail {

// A unit of work with its promise.
class ExecutorTask {
 public:
  virtual ~ExecutorTask() = default;
  // Runs the function and completes the promise. Throws only the runtime's unwind.
  virtual void run() = 0;
  // Completes the promise with TaskCancelled without running.
  virtual void drop() noexcept = 0;
};

class ExecutorQueue {
 public:
  // `idle_kind` is the wait kind of idle workers (External when other threads submit).
  // The queue belongs to the calling thread's runtime: submitters of other runtimes
  // wait for space as on something external.
  ExecutorQueue(std::size_t capacity, std::size_t workers, sched::WaitKind idle_kind);
  ExecutorQueue(const ExecutorQueue&) = delete;
  ExecutorQueue& operator=(const ExecutorQueue&) = delete;

  // Appends `task`, parking while the queue is full. On return `task` is empty. Throws
  // UsageError naming `call` once the queue is closed, Cancelled if the fiber is
  // cancelled while parked (then `task` is left with the caller).
  void push(std::unique_ptr<ExecutorTask>& task, const char* call);
  // Appends `task` if there is room (true; `task` is then empty). Never blocks. Throws
  // UsageError naming `call` once the queue is closed.
  bool try_push(std::unique_ptr<ExecutorTask>& task, const char* call);

  // The next task for worker `worker`, parking while the queue is empty; null when the
  // worker should exit (closed and drained, or closed in cancel mode). Marks the worker
  // busy until its next pop.
  std::unique_ptr<ExecutorTask> pop(std::size_t worker);
  // Counts a worker in before it starts.
  void enlist() noexcept;
  // Worker `worker` leaves for good (after pop returned null, on unwinding, or when it
  // could not be started). The last one to leave completes exited().
  void leave(std::size_t worker) noexcept;
  // Parks until every enlisted worker has left. Safe from several fibers at once.
  // Throws Cancelled if the caller is cancelled while parked.
  void wait_exited() const { exited_future_.wait(); }

  struct Closing {
    std::vector<std::unique_ptr<ExecutorTask>> dropped;  // queued tasks (cancel mode)
    std::vector<std::size_t> busy;                       // workers running a task
  };
  // Stops accepting tasks and wakes everybody. In cancel mode also takes the queued
  // tasks out (the caller drops them) and lists the busy workers (the caller cancels
  // them). Closing again in cancel mode after drain mode escalates.
  Closing close(ShutdownMode mode);

  bool closed() const noexcept;
  std::size_t queued() const noexcept;
  std::size_t active() const noexcept;
  std::size_t capacity() const noexcept { return ring_.size(); }

 private:
  using Guard = std::unique_lock<sched::detail::SpinLock>;
  // Parks in `queue` with `guard` held on entry; returns with it held and the node unlinked.
  sched::WakeReason block(Guard& guard, sched::WaitQueue& queue, const sched::WaitRecord& record);
  void enqueue(std::unique_ptr<ExecutorTask>& task) noexcept;

  mutable sched::detail::SpinLock lock_;
  std::vector<std::unique_ptr<ExecutorTask>> ring_;  // capacity slots
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  std::vector<bool> busy_;
  std::size_t active_ = 0;
  std::size_t live_ = 0;  // enlisted workers that have not left
  Promise<void> exited_;
  Future<void> exited_future_ = exited_.get_future();
  bool closed_ = false;
  bool cancelled_ = false;
  sched::WaitKind idle_kind_;
  const sched::Scheduler* home_;
  sched::WaitQueue idle_;   // workers waiting for a task
  sched::WaitQueue space_;  // submitters waiting for a free slot
};

}  // namespace weft::detail
