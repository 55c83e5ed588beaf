// The scheduler (weft/sched/scheduler.hpp): its workers, its reactor, and the counts and
// dumps that span the workers.
#include "weft/sched/scheduler.hpp"

#include <ostream>

#include "weft/sched/errors.hpp"
#include "worker.hpp"

namespace weft::sched {

Scheduler::Scheduler(SchedulerOptions options) : options_(std::move(options)) {
  if (options_.stack_size < detail::StackPool::kMinimumSize)
    options_.stack_size = detail::StackPool::kMinimumSize;
  reactor_ = options_.reactor ? options_.reactor() : make_default_reactor();
  if (!reactor_) throw UsageError("weft: SchedulerOptions::reactor made no reactor");
  constexpr std::size_t kWorkers = 1;  // M:N: RuntimeOptions::workers (planned)
  workers_.reserve(kWorkers);
  for (std::size_t i = 0; i < kWorkers; ++i)
    workers_.push_back(std::make_unique<detail::Worker>(*this, PolicyContext{i, kWorkers, *this}));
}

Scheduler::~Scheduler() { blocking_pool_.reset(); }

void Scheduler::run(Fiber& first) { workers_.front()->run(first); }

std::size_t Scheduler::live_fibers() const noexcept {
  // Read retired first: a fiber counted as retired was counted as started before.
  std::size_t retired = 0, started = 0;
  for (const auto& w : workers_) retired += w->retired();
  for (const auto& w : workers_) started += w->started();
  return started - retired;
}

SchedulerStats Scheduler::stats() const {
  SchedulerStats s;
  s.live_fibers = live_fibers();
  for (const auto& w : workers_) s.workers.push_back(w->stats());
  s.reactor = reactor_->name();
  s.io = reactor_->stats();
  if (blocking_pool_) s.blocking = blocking_pool_->stats();
  return s;
}

void Scheduler::dump(std::ostream& out) const {
  out << "weft: " << live_fibers() << " live fibers\n";
  for (const auto& w : workers_) w->dump(out);
}

BlockingPool& Scheduler::blocking_pool() {
  std::call_once(blocking_pool_made_, [this] {
    blocking_pool_ = std::make_unique<BlockingPool>(
        BlockingPool::Options{options_.blocking_threads, options_.blocking_idle_timeout});
  });
  return *blocking_pool_;
}

void Scheduler::notify_idle_worker() noexcept { reactor_->wake(); }

Scheduler* Scheduler::current() noexcept {
  detail::Worker* w = detail::Worker::current();
  return w ? &w->scheduler() : nullptr;
}

void dump(std::ostream& out) {
  if (Scheduler* s = Scheduler::current())
    s->dump(out);
  else
    out << "weft: no runtime on this thread\n";
}

}  // namespace weft::sched
