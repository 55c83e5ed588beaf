// The fiber control block: ids, cancellation requests, state and wait-kind names, fiber-local slots.
#include "weft/sched/fiber.hpp"

#include <atomic>

#include "weft/sched/detail/fiber_locals.hpp"
#include "weft/sched/kernel.hpp"
#include "asymmetric_fence.hpp"
#include "wait_word.hpp"
#include "worker.hpp"

namespace weft::sched {

namespace {

std::atomic<FiberId> g_next_id_block{1};

// Ids are unique process-wide; each thread takes them in blocks to keep spawn free of
// shared atomics.
FiberId next_fiber_id() noexcept {
  constexpr FiberId kBlock = 1024;
  thread_local FiberId next WEFT_TLS_FAST = 0;
  thread_local FiberId end WEFT_TLS_FAST = 0;
  if (next == end) {
    next = g_next_id_block.fetch_add(kBlock, std::memory_order_relaxed);
    end = next + kBlock;
  }
  return next++;
}

}  // namespace

Fiber::Fiber(std::string&& name, std::uint32_t initial_refs, bool thread_context)
    : id_(thread_context ? 0 : next_fiber_id()),
      // Most fibers are unnamed; moving an empty string still calls memcpy (GCC 12).
      name_(name.empty() ? std::string() : std::move(name)),
      is_thread_(thread_context),
      refs_(initial_refs),
      join_lock_(detail::SpinLock::BiasToCaller{}) {}

Fiber::~Fiber() { delete locals_; }

void Fiber::request_cancel() noexcept {
  // Dekker with begin_wait: publish the request, then look for an open wait. When
  // asymmetric fences are available the waiter's side has only a compiler fence and
  // this side pays for both (see asymmetric_fence.hpp).
  cancel_pending_.store(true, std::memory_order_seq_cst);
  if (detail::asymmetric_fences()) detail::heavy_fence();
  std::uint64_t word = wait_word_.load(std::memory_order_seq_cst);
  if (!detail::wait_word::is_waiting(word)) return;  // not waiting: its next wait sees it
  if (!cancel_pending_.exchange(false)) return;  // the fiber took the request itself
  if (!try_wake(WaitTicket{this, detail::wait_word::epoch_of(word)}, WakeReason::Cancelled))
    cancel_pending_.store(true, std::memory_order_seq_cst);  // that wait ended otherwise
}

const char* to_string(FiberState state) noexcept {
  switch (state) {
    case FiberState::Ready: return "ready";
    case FiberState::Running: return "running";
    case FiberState::Parked: return "parked";
    case FiberState::Done: return "done";
  }
  return "?";
}

const char* to_string(WaitKind kind) noexcept {
  switch (kind) {
    case WaitKind::None: return "nothing";
    case WaitKind::Join: return "join";
    case WaitKind::Sleep: return "sleep";
    case WaitKind::Mutex: return "mutex";
    case WaitKind::CondVar: return "condition variable";
    case WaitKind::Semaphore: return "semaphore";
    case WaitKind::Event: return "event";
    case WaitKind::Barrier: return "barrier";
    case WaitKind::Channel: return "channel";
    case WaitKind::Select: return "select";
    case WaitKind::Future: return "future";
    case WaitKind::Mailbox: return "mailbox";
    case WaitKind::Io: return "I/O";
    case WaitKind::External: return "external wake-up";
    case WaitKind::Other: return "other";
  }
  return "?";
}

}  // namespace weft::sched

namespace weft::sched::detail {

void FiberLocalSlots::clear() noexcept {
  // Last key first; a destructor may still read or create other fiber-locals.
  while (!slots_.empty()) {
    auto [value, deleter] = slots_.back();
    slots_.pop_back();
    if (value) deleter(value);
  }
}

void*& FiberLocalSlots::slot(std::size_t key, LocalDeleter deleter) {
  if (key >= slots_.size()) slots_.resize(key + 1, {nullptr, nullptr});
  slots_[key].second = deleter;
  return slots_[key].first;
}

void* FiberLocalSlots::find(std::size_t key) const noexcept {
  return key < slots_.size() ? slots_[key].first : nullptr;
}

void FiberLocalSlots::erase(std::size_t key) noexcept {
  if (key >= slots_.size() || slots_[key].first == nullptr) return;
  void* value = slots_[key].first;
  slots_[key].first = nullptr;
  slots_[key].second(value);
}

std::size_t allocate_local_key() noexcept {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void*& local_slot(Fiber& fiber, std::size_t key, LocalDeleter deleter) {
  auto*& slots = FiberAccess::locals(fiber);
  if (slots == nullptr) slots = new FiberLocalSlots();
  return slots->slot(key, deleter);
}

void* find_local(const Fiber& fiber, std::size_t key) noexcept {
  const FiberLocalSlots* slots = FiberAccess::locals(fiber);
  return slots ? slots->find(key) : nullptr;
}

void erase_local(Fiber& fiber, std::size_t key) noexcept {
  if (auto* slots = FiberAccess::locals(fiber)) slots->erase(key);
}

}  // namespace weft::sched::detail
