// Executor: worker fibers over an ExecutorQueue (weft/future/executor.hpp).
#include "weft/future/executor.hpp"

#include <algorithm>
#include <string>

#include "weft/sched/scheduler.hpp"

namespace weft {

namespace {

ExecutorOptions make_options(std::size_t workers, std::size_t queue_capacity) {
  ExecutorOptions options;
  options.workers = workers;
  options.queue_capacity = queue_capacity;
  return options;
}

// The body of worker `index`: run tasks until the queue says to leave.
void work(const std::shared_ptr<detail::ExecutorQueue>& queue, std::size_t index) {
  struct Leave {  // also when the runtime unwinds the worker
    detail::ExecutorQueue& queue;
    std::size_t index;
    ~Leave() { queue.leave(index); }
  } leave{*queue, index};
  while (std::unique_ptr<detail::ExecutorTask> task = queue->pop(index)) task->run();
}

}  // namespace

Executor::Executor(std::size_t workers, std::size_t queue_capacity)
    : Executor(make_options(workers, queue_capacity)) {}

Executor::Executor(ExecutorOptions options) : home_(sched::Scheduler::current()) {
  if (options.workers == 0) throw UsageError("weft::Executor: needs at least one worker");
  if (options.queue_capacity == 0)
    throw UsageError("weft::Executor: the queue capacity must be at least 1");
  sched::require_fiber("weft::Executor");
  queue_ = std::make_shared<detail::ExecutorQueue>(
      options.queue_capacity, options.workers,
      options.remote_submitters ? sched::WaitKind::External : sched::WaitKind::Other);
  workers_.reserve(options.workers);
  worker_ids_.reserve(options.workers);
  for (std::size_t i = 0; i < options.workers; ++i) {
    SpawnOptions spawn_options;
    spawn_options.name = options.name + "-" + std::to_string(i);
    spawn_options.stack_size = options.stack_size;
    queue_->enlist();
    try {
      workers_.push_back(weft::spawn([queue = queue_, i] { work(queue, i); }, std::move(spawn_options)));
    } catch (...) {
      queue_->leave(i);
      queue_->close(ShutdownMode::drain);  // lets the workers already started exit
      throw;
    }
    worker_ids_.push_back(workers_.back().id());
  }
}

Executor::~Executor() {
  try {
    shutdown(ShutdownMode::drain);
  } catch (...) {
    // Cancelled while waiting, destroyed outside a fiber, or the runtime unwinds this
    // fiber: the workers hold the queue and drain it on their own (the runtime waits
    // for them). Dropping the handles below detaches them.
  }
}

void Executor::shutdown(ShutdownMode mode) {
  if (sched::Fiber* self = sched::current_fiber();
      self && std::find(worker_ids_.begin(), worker_ids_.end(), self->id()) != worker_ids_.end())
    throw UsageError("weft::Executor::shutdown: called from one of the executor's own tasks");
  detail::ExecutorQueue::Closing closing = queue_->close(mode);
  if (mode == ShutdownMode::cancel) {
    stop_.request_stop();
    for (auto& task : closing.dropped) task->drop();
    closing.dropped.clear();
    for (std::size_t i : closing.busy)
      if (workers_[i].joinable()) workers_[i].cancel();
  }
  // Not JoinHandle::join: several fibers may shut down at once (drain, then cancel).
  queue_->wait_exited();
}

}  // namespace weft
