// Lock-free and hand-made synchronisation: every access is an atomic operation, and the
// algorithm around them is wrong. Each bug beside its fix; the benchmark
// (tools/bugbench) runs them all.
#include <array>
#include <cstdint>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;

// --- ABA on a Treiber stack -------------------------------------------------------------
// Textbook (Treiber's stack as in IBM's System/370 notes; Herlihy and Shavit, ch. 10.6):
// a pop reads the top A and its successor B, then another fiber pops A and B and pushes A
// back; the first pop's compare-and-swap still sees A and installs B, a node that fiber
// now owns. A version counter in the top word makes the stale swap fail.

constexpr int kNodes = 3;
constexpr int kEmpty = -1;

class TreiberStack {
 public:
  explicit TreiberStack(bool versioned) : versioned_(versioned) {}

  void push(int node) {
    for (;;) {
      std::uint64_t top = top_.load();
      next_[node].store(index(top));
      if (top_.compare_exchange_strong(top, successor(top, node))) return;
    }
  }
  int pop() {
    for (;;) {
      std::uint64_t top = top_.load();
      int node = index(top);
      if (node == kEmpty) return kEmpty;
      int next = next_[node].load();
      if (top_.compare_exchange_strong(top, successor(top, next))) return node;
    }
  }
  // The nodes reachable from the top, in order (at most kNodes + 1: a cycle shows).
  std::vector<int> contents() {
    std::vector<int> nodes;
    for (int n = index(top_.load()); n != kEmpty && nodes.size() <= kNodes; n = next_[n].load())
      nodes.push_back(n);
    return nodes;
  }

 private:
  // The top word: a version in the high half, node + 1 in the low half (0 = empty).
  static int index(std::uint64_t top) { return static_cast<int>(top & 0xffffffffu) - 1; }
  std::uint64_t successor(std::uint64_t top, int node) const {
    std::uint64_t version = versioned_ ? (top >> 32) + 1 : 0;
    return (version << 32) | static_cast<std::uint32_t>(node + 1);
  }

  bool versioned_;
  Atomic<std::uint64_t> top_{0};
  std::array<Atomic<int>, kNodes> next_;
};

void aba_run(bool versioned) {
  TreiberStack stack(versioned);
  for (int node = kNodes - 1; node >= 0; --node) stack.push(node);  // top: 0 -> 1 -> 2
  Atomic<int> held_by_popper{kEmpty}, held_by_recycler{kEmpty};
  auto popper = weft::spawn([&] { held_by_popper.store(stack.pop()); }, {.name = "popper"});
  auto recycler = weft::spawn(
      [&] {
        int first = stack.pop();
        int second = stack.pop();
        stack.push(first);  // recycles the node it popped first
        held_by_recycler.store(second);
      },
      {.name = "recycler"});
  popper.join();
  recycler.join();
  // Every node is either on the stack or held by one fiber, exactly once.
  std::vector<int> nodes = stack.contents();
  nodes.push_back(held_by_popper.load());
  nodes.push_back(held_by_recycler.load());
  std::array<int, kNodes> seen{};
  for (int n : nodes) {
    WEFT_ASSERT(n >= 0 && n < kNodes);
    ++seen[static_cast<std::size_t>(n)];
  }
  for (int count : seen) WEFT_ASSERT(count == 1);
}

WEFT_SCENARIO_MUST_FAIL(aba_stack, "a Treiber stack's compare-and-swap on the top pointer alone (ABA)") {
  aba_run(false);
}

WEFT_SCENARIO(aba_stack_fixed, "the stack's top word carries a version that every swap bumps") {
  aba_run(true);
}

// --- work-stealing deque: the owner's pop of the last item --------------------------------
// The CHESS work-stealing queue (SCTBench CHESS/WorkStealQueue) and Chase and Lev (SPAA
// 2005): the owner pops at the tail, thieves steal at the head with a compare-and-swap.
// When one item is left the two ends meet, and the owner must race for it on the head
// too; an owner that just takes it hands the same task out twice.

constexpr int kTasks = 2;

class WorkStealingDeque {
 public:
  explicit WorkStealingDeque(bool owner_races_for_last) : owner_races_for_last_(owner_races_for_last) {}

  void push(int task) {
    int tail = tail_.load();
    tasks_[static_cast<std::size_t>(tail)].store(task);
    tail_.store(tail + 1);
  }
  // Owner only. Returns kEmpty when there is nothing left.
  int pop() {
    int tail = tail_.load() - 1;
    tail_.store(tail);
    int head = head_.load();
    if (head > tail) {  // empty: undo
      tail_.store(head);
      return kEmpty;
    }
    int task = tasks_[static_cast<std::size_t>(tail)].load();
    if (head == tail && owner_races_for_last_) {
      int expected = head;  // a failed swap overwrites it; the tail goes back past `head`
      if (!head_.compare_exchange_strong(expected, head + 1)) task = kEmpty;  // a thief won it
      tail_.store(head + 1);
    }
    return task;
  }
  // Any thief. Returns kEmpty when empty or when it lost a race.
  int steal() {
    int head = head_.load();
    int tail = tail_.load();
    if (head >= tail) return kEmpty;
    int task = tasks_[static_cast<std::size_t>(head)].load();
    if (!head_.compare_exchange_strong(head, head + 1)) return kEmpty;
    return task;
  }

 private:
  bool owner_races_for_last_;
  Atomic<int> head_{0}, tail_{0};
  std::array<Atomic<int>, kTasks> tasks_;
};

void work_stealing_run(bool owner_races_for_last) {
  WorkStealingDeque deque(owner_races_for_last);
  std::array<Atomic<int>, kTasks> runs;  // how often each task was handed out
  auto run = [&](int task) {
    if (task != kEmpty) runs[static_cast<std::size_t>(task)].fetch_add(1);
  };
  for (int task = 0; task < kTasks; ++task) deque.push(task);
  auto thief = weft::spawn(
      [&] {
        for (int attempt = 0; attempt < kTasks; ++attempt) run(deque.steal());
      },
      {.name = "thief"});
  for (int task = deque.pop(); task != kEmpty; task = deque.pop()) run(task);
  thief.join();
  for (auto& count : runs) WEFT_ASSERT(count.load() == 1);
}

WEFT_SCENARIO_MUST_FAIL(work_stealing_deque, "the deque's owner takes the last task without racing the thieves") {
  work_stealing_run(false);
}

WEFT_SCENARIO(work_stealing_deque_fixed, "the owner takes the last task with a compare-and-swap on the head") {
  work_stealing_run(true);
}

// --- Peterson's lock with its two writes swapped -----------------------------------------
// Textbook (Peterson 1981; the classic exercise of writing `turn` before `flag`): a
// fiber that gives way before announcing itself lets the other fiber see no rival and
// enter too.

class PetersonLock {
 public:
  explicit PetersonLock(bool flag_first) : flag_first_(flag_first) {}

  void lock(int self) {
    int other = 1 - self;
    if (flag_first_) {
      interested_[static_cast<std::size_t>(self)].store(true);
      turn_.store(other);
    } else {
      turn_.store(other);
      interested_[static_cast<std::size_t>(self)].store(true);
    }
    while (interested_[static_cast<std::size_t>(other)].load() && turn_.load() == other)
      weft::this_fiber::yield();
  }
  void unlock(int self) { interested_[static_cast<std::size_t>(self)].store(false); }

 private:
  bool flag_first_;
  std::array<Atomic<bool>, 2> interested_;
  Atomic<int> turn_{0};
};

void peterson_run(bool flag_first) {
  PetersonLock lock(flag_first);
  Atomic<int> inside{0};
  auto enter = [&](int self) {
    lock.lock(self);
    inside.fetch_add(1);
    WEFT_ASSERT(inside.load() == 1);  // mutual exclusion
    inside.fetch_add(-1);
    lock.unlock(self);
  };
  auto zero = weft::spawn([&] { enter(0); }, {.name = "fiber-0"});
  auto one = weft::spawn([&] { enter(1); }, {.name = "fiber-1"});
  zero.join();
  one.join();
}

WEFT_SCENARIO_MUST_FAIL(peterson_broken, "Peterson's lock writes turn before its interested flag") {
  peterson_run(false);
}

WEFT_SCENARIO(peterson_broken_fixed, "Peterson's lock raises its flag first, then gives the turn away") {
  peterson_run(true);
}

// --- a sequence-lock reader that does not check the sequence again ------------------------
// Textbook (the seqlock of the Linux kernel, read_seqbegin/read_seqretry): a reader must
// retry when the sequence number changed while it read, or it returns a torn pair.

struct SeqLocked {
  Atomic<int> sequence{0};  // odd while a write is in progress
  Atomic<int> x{0}, y{0};   // the invariant: x == y

  void write(int value) {
    sequence.fetch_add(1);
    x.store(value);
    y.store(value);
    sequence.fetch_add(1);
  }
  int stable_sequence() {
    int seen = sequence.load();
    while (seen % 2 != 0) {
      weft::this_fiber::yield();
      seen = sequence.load();
    }
    return seen;
  }
};

void seqlock_run(bool retry) {
  SeqLocked data;
  auto writer = weft::spawn(
      [&] {
        data.write(1);
        data.write(2);
      },
      {.name = "writer"});
  auto reader = weft::spawn(
      [&] {
        for (;;) {
          int begin = data.stable_sequence();
          int x = data.x.load();
          int y = data.y.load();
          if (retry && data.sequence.load() != begin) continue;
          WEFT_ASSERT(x == y);
          return;
        }
      },
      {.name = "reader"});
  writer.join();
  reader.join();
}

WEFT_SCENARIO_MUST_FAIL(seqlock_torn_read, "a seqlock reader waits for an even sequence but never rechecks it") {
  seqlock_run(false);
}

WEFT_SCENARIO(seqlock_torn_read_fixed, "the reader retries when the sequence moved while it read") {
  seqlock_run(true);
}

}  // namespace
