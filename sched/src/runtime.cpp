#include "weft/sched/runtime.hpp"

#include <ostream>

#include "worker.hpp"

namespace weft::sched {

Runtime::Runtime(RuntimeOptions options) : options_(std::move(options)) {
  if (options_.stack_size < detail::StackPool::kMinimumSize)
    options_.stack_size = detail::StackPool::kMinimumSize;
  worker_ = std::make_unique<detail::Worker>(*this);
}

Runtime::~Runtime() = default;

void Runtime::run(Fiber& first) { worker_->run(first); }

std::size_t Runtime::live_fibers() const noexcept {
  // Read retired first: a fiber counted as retired was counted as started before.
  std::size_t retired = worker_->retired();
  return worker_->started() - retired;
}

void Runtime::dump(std::ostream& out) const {
  out << "weft: " << live_fibers() << " live fibers\n";
  worker_->dump(out);
}

Runtime* Runtime::current() noexcept {
  detail::Worker* w = detail::Worker::current();
  return w ? &w->runtime() : nullptr;
}

void dump(std::ostream& out) {
  if (Runtime* rt = Runtime::current())
    rt->dump(out);
  else
    out << "weft: no runtime on this thread\n";
}

}  // namespace weft::sched
