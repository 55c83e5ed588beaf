// The bounded task queue of an Executor (weft/future/detail/executor_queue.hpp).
#include "weft/future/detail/executor_queue.hpp"

#include <string>

#include "weft/future/executor.hpp"
#include "weft/errors.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft::detail {

ExecutorQueue::ExecutorQueue(std::size_t capacity, std::size_t workers, sched::WaitKind idle_kind)
    : ring_(capacity),
      busy_(workers, false),
      idle_kind_(idle_kind),
      home_(sched::Scheduler::current()) {}

sched::WakeReason ExecutorQueue::block(Guard& guard, sched::WaitQueue& queue,
                                       const sched::WaitRecord& record) {
  sched::WaitTicket ticket = sched::begin_wait(record);
  sched::Waiter waiter(ticket);
  queue.push_back(waiter);
  guard.unlock();
  struct Relock {  // also when the wait throws: the node lives in this frame
    Guard& guard;
    sched::WaitQueue& queue;
    sched::Waiter& waiter;
    ~Relock() {
      guard.lock();
      queue.remove(waiter);
    }
  } relock{guard, queue, waiter};
  return sched::await(ticket).reason;
}

void ExecutorQueue::enqueue(std::unique_ptr<ExecutorTask>& task) noexcept {
  ring_[(head_ + count_) % ring_.size()] = std::move(task);
  ++count_;
  idle_.notify_one();
}

void ExecutorQueue::push(std::unique_ptr<ExecutorTask>& task, const char* call) {
  schedule_point(sched::Op::Send, this);
  Guard guard(lock_);
  for (;;) {
    if (closed_) throw UsageError(std::string(call) + ": the executor is shut down");
    if (count_ < ring_.size()) {
      enqueue(task);
      return;
    }
    // Workers of another runtime make the space: not a deadlock of this one.
    sched::WaitKind kind =
        home_ == sched::Scheduler::current() ? sched::WaitKind::Other : sched::WaitKind::External;
    const sched::WaitRecord record{kind, this, "executor queue full"};
    if (block(guard, space_, record) == sched::WakeReason::Cancelled)
      throw Cancelled();
  }
}

bool ExecutorQueue::try_push(std::unique_ptr<ExecutorTask>& task, const char* call) {
  schedule_point(sched::Op::Send, this);
  Guard guard(lock_);
  if (closed_) throw UsageError(std::string(call) + ": the executor is shut down");
  if (count_ == ring_.size()) return false;
  enqueue(task);
  return true;
}

std::unique_ptr<ExecutorTask> ExecutorQueue::pop(std::size_t worker) {
  schedule_point(sched::Op::Recv, this);
  Guard guard(lock_);
  if (busy_[worker]) {
    busy_[worker] = false;
    --active_;
  }
  for (;;) {
    if (cancelled_) return nullptr;
    if (count_ > 0) {
      std::unique_ptr<ExecutorTask> task = std::move(ring_[head_]);
      head_ = (head_ + 1) % ring_.size();
      --count_;
      busy_[worker] = true;
      ++active_;
      space_.notify_one();
      // A cancellation left over from the worker's previous task (it arrived after that
      // task's last wait) is not for this one; shutdown(cancel) sets cancelled_ first.
      if (sched::Fiber* self = sched::current_fiber()) self->clear_cancel();
      return task;
    }
    if (closed_) return nullptr;
    // A cancel can only reach an idle worker at shutdown; either way, look again.
    (void)block(guard, idle_, sched::WaitRecord{idle_kind_, this, "executor worker idle"});
  }
}

void ExecutorQueue::enlist() noexcept {
  std::lock_guard guard(lock_);
  ++live_;
}

void ExecutorQueue::leave(std::size_t worker) noexcept {
  bool last = false;
  {
    std::lock_guard guard(lock_);
    if (busy_[worker]) {
      busy_[worker] = false;
      --active_;
    }
    last = --live_ == 0;
  }
  if (last) {
    try {
      exited_.set_value();
    } catch (...) {
      // Only a checker hook can throw here; the promise then breaks, which wakes too.
    }
  }
}

ExecutorQueue::Closing ExecutorQueue::close(ShutdownMode mode) {
  schedule_point(sched::Op::Close, this);
  Closing out;
  Guard guard(lock_);
  closed_ = true;
  if (mode == ShutdownMode::cancel && !cancelled_) {
    cancelled_ = true;
    out.dropped.reserve(count_);
    for (; count_ > 0; --count_) {
      out.dropped.push_back(std::move(ring_[head_]));
      head_ = (head_ + 1) % ring_.size();
    }
    for (std::size_t i = 0; i < busy_.size(); ++i)
      if (busy_[i]) out.busy.push_back(i);
  }
  idle_.notify_all();
  space_.notify_all();
  return out;
}

bool ExecutorQueue::closed() const noexcept {
  std::lock_guard guard(lock_);
  return closed_;
}

std::size_t ExecutorQueue::queued() const noexcept {
  std::lock_guard guard(lock_);
  return count_;
}

std::size_t ExecutorQueue::active() const noexcept {
  std::lock_guard guard(lock_);
  return active_;
}

}  // namespace weft::detail
