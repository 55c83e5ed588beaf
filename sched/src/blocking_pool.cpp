// The blocking pool (weft/sched/blocking_pool.hpp).
#include "weft/sched/blocking_pool.hpp"

#include <algorithm>
#include <system_error>
#include <utility>

#include "deadlock/deadlock_watch.hpp"
#include "mn/cpu_pin.hpp"

namespace weft::sched {

namespace {
BlockingPool::Options at_least_one_thread(BlockingPool::Options options) {
  options.max_threads = std::max<std::size_t>(options.max_threads, 1);
  return options;
}
}  // namespace

BlockingPool::BlockingPool(Options options) : options_(at_least_one_thread(options)) {}

BlockingPool::~BlockingPool() {
  std::unique_lock guard(lock_);
  stopping_ = true;  // threads finish the queue, then exit
  work_.notify_all();
  gone_.wait(guard, [this] { return threads_.empty(); });
  std::vector<std::thread> exited = take_exited();
  guard.unlock();
  for (std::thread& t : exited) t.join();
}

std::vector<std::thread> BlockingPool::take_exited() { return std::exchange(exited_, {}); }

void BlockingPool::submit(std::unique_ptr<Job> job) {
  std::vector<std::thread> exited;
  {
    std::lock_guard guard(lock_);
    exited = take_exited();
    queue_.push_back(std::move(job));
    if (idle_ >= queue_.size() || threads_.size() >= options_.max_threads)
      work_.notify_one();
    else
      start_thread_locked();
  }
  for (std::thread& t : exited) t.join();
}

void BlockingPool::start_thread_locked() {
  auto self = threads_.emplace(threads_.end());
  try {
    *self = std::thread([this, self] { thread_main(self); });
  } catch (const std::system_error&) {
    threads_.erase(self);
    if (threads_.empty()) {  // nobody would ever run the job
      queue_.pop_back();
      throw;
    }
    work_.notify_one();  // a live thread takes it when it is free
    return;
  }
  ++counts_.started;
  counts_.peak_threads = std::max(counts_.peak_threads, threads_.size());
}

void BlockingPool::thread_main(std::list<std::thread>::iterator self) {
  const detail::DeadlockWatch::HelperThread helper;
  if (!options_.cpus.empty()) detail::allow_cpus(options_.cpus);
  std::unique_lock guard(lock_);
  for (;;) {
    if (!queue_.empty()) {
      std::unique_ptr<Job> job = std::move(queue_.front());
      queue_.pop_front();
      guard.unlock();
      job->run();
      job.reset();  // what it holds dies outside the lock too
      guard.lock();
      ++counts_.completed;
      continue;
    }
    if (stopping_) break;
    ++idle_;
    const bool woken = work_.wait_for(guard, options_.idle_timeout,
                                      [this] { return !queue_.empty() || stopping_; });
    --idle_;
    if (!woken) break;  // idle for idle_timeout: shrink
  }
  // Hand our own handle to whoever joins next; we touch nothing of the pool after this.
  exited_.push_back(std::move(*self));
  threads_.erase(self);
  gone_.notify_all();
}

BlockingPool::Stats BlockingPool::stats() const {
  std::lock_guard guard(lock_);
  Stats s = counts_;
  s.threads = threads_.size();
  s.idle = idle_;
  s.queued = queue_.size();
  return s;
}

}  // namespace weft::sched
