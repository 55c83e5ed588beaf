// The scheduler (weft/sched/scheduler.hpp): its workers, its reactor, and the counts and
// dumps that span the workers.
#include "weft/sched/scheduler.hpp"

#include <algorithm>
#include <cstdlib>
#include <ostream>
#include <string>
#include <thread>

#include "mn/cpu_pin.hpp"
#include "weft/sched/errors.hpp"
#include "worker.hpp"

namespace weft::sched {

namespace {

// The CPUs this process may run on (taskset, cpusets), as Go counts them for GOMAXPROCS.
std::size_t usable_cpus() {
  if (const std::size_t n = detail::allowed_cpus().size()) return n;
  return std::max(1u, std::thread::hardware_concurrency());
}

// SchedulerOptions::workers, resolved: 0 means WEFT_WORKERS, else one per usable CPU.
std::size_t worker_count_from(const SchedulerOptions& options) {
  if (options.clock && options.clock->is_virtual()) return 1;  // the checker simulates workers
  if (options.workers != 0) return options.workers;
  const char* env = std::getenv("WEFT_WORKERS");
  if (env == nullptr || *env == '\0') return std::min<std::size_t>(usable_cpus(), 1024);
  char* end = nullptr;
  const unsigned long n = std::strtoul(env, &end, 10);
  if (*end != '\0' || n == 0 || n > 1024)
    throw UsageError(std::string("weft: WEFT_WORKERS='") + env + "' is not a worker count from 1 to 1024");
  return n;
}

// SchedulerOptions::pin_workers, or WEFT_PIN_WORKERS (1 or 0) when the option is off.
bool pin_workers_from(const SchedulerOptions& options) {
  if (options.pin_workers) return true;
  const char* env = std::getenv("WEFT_PIN_WORKERS");
  if (env == nullptr || *env == '\0') return false;
  const std::string value = env;
  if (value == "1") return true;
  if (value == "0") return false;
  throw UsageError("weft: WEFT_PIN_WORKERS='" + value + "' is neither 1 (pin each worker to a CPU) nor 0");
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : options_(std::move(options)) {
  if (options_.stack_size < detail::StackPool::kMinimumSize)
    options_.stack_size = detail::StackPool::kMinimumSize;
  reactor_ = options_.reactor ? options_.reactor() : make_default_reactor();
  if (!reactor_) throw UsageError("weft: SchedulerOptions::reactor made no reactor");
  const std::size_t workers = worker_count_from(options_);
  pin_ = pin_workers_from(options_);
  if (workers > 1024) throw UsageError("weft: SchedulerOptions::workers is " + std::to_string(workers) + ", more than 1024");
  workers_.reserve(workers);
  for (std::size_t i = 0; i < workers; ++i)
    workers_.push_back(std::make_unique<detail::Worker>(*this, PolicyContext{i, workers, *this}));
}

Scheduler::~Scheduler() { blocking_pool_.reset(); }

void Scheduler::run(Fiber& first) {
  if (workers_.size() == 1)
    workers_.front()->run(first);
  else
    run_workers(first);
}

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
        BlockingPool::Options{options_.blocking_threads, options_.blocking_idle_timeout, pin_cpus_});
  });
  return *blocking_pool_;
}

void Scheduler::notify_idle_worker() noexcept {
  if (workers_.size() == 1)
    reactor_->wake();
  else
    wake_an_idle_worker(nullptr);
}

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
