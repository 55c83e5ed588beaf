// Atomicity violations: every step is protected (by a lock or by being atomic), but a
// sequence of steps that must look indivisible is not. Each bug beside its fix; the
// benchmark (tools/bugbench) runs them all.
#include <mutex>
#include <string>
#include <vector>

#include "weft/check.hpp"
#include "weft/weft.hpp"

namespace {

using weft::check::Atomic;
using weft::check::Shared;

void join_all(std::vector<weft::JoinHandle<void>>& fibers) {
  for (auto& f : fibers) f.join();
}

// --- bank transfer: the debit and the credit under two separate locks ------------------
// Textbook (the transfer/audit invariant of Java Concurrency in Practice, ch. 10): an
// auditor that holds both accounts sees money that left one account and has not yet
// reached the other.

constexpr int kTotal = 200;

struct Account {
  weft::Mutex mutex;
  Shared<int> balance;
  explicit Account(int initial) : balance(initial) {}
};

void audit(Account& a, Account& b) {
  weft::ScopedLock both(a.mutex, b.mutex);
  WEFT_ASSERT(a.balance.load() + b.balance.load() == kTotal);
}

WEFT_SCENARIO_MUST_FAIL(bank_transfer, "a transfer debits under one account's lock, credits under the other's") {
  Account a(100), b(100);
  auto transfer = weft::spawn(
      [&] {
        {
          std::lock_guard guard(a.mutex);
          a.balance.store(a.balance.load() - 30);
        }
        std::lock_guard guard(b.mutex);
        b.balance.store(b.balance.load() + 30);
      },
      {.name = "transfer"});
  auto auditor = weft::spawn([&] { audit(a, b); }, {.name = "auditor"});
  transfer.join();
  auditor.join();
  audit(a, b);
}

WEFT_SCENARIO(bank_transfer_fixed, "the transfer holds both accounts' locks for the debit and the credit") {
  Account a(100), b(100);
  auto transfer = weft::spawn(
      [&] {
        weft::ScopedLock both(a.mutex, b.mutex);
        a.balance.store(a.balance.load() - 30);
        b.balance.store(b.balance.load() + 30);
      },
      {.name = "transfer"});
  auto auditor = weft::spawn([&] { audit(a, b); }, {.name = "auditor"});
  transfer.join();
  auditor.join();
  audit(a, b);
}

// --- Bluetooth driver: check the stopping flag, then count the request ------------------
// SCTBench CS/bluetooth_driver_bad, from the Windows Bluetooth driver bug of Qadeer and
// Wu (KISS, PLDI 2004): a request checks that the device is not stopping and only then
// counts itself as pending; the stopper can slip in between and release the device
// while the request still uses it.

struct Device {
  weft::Mutex mutex;
  Shared<int> pending_io{1};  // the driver's own reference, dropped by stop()
  Atomic<bool> stopping{false};
  Atomic<bool> stopped{false};
  weft::Event stopping_event;

  void io_decrement() {
    std::lock_guard guard(mutex);
    int left = pending_io.load() - 1;
    pending_io.store(left);
    if (left == 0) stopping_event.set();
  }
  void io_increment() {
    std::lock_guard guard(mutex);
    pending_io.store(pending_io.load() + 1);
  }
  void stop() {
    stopping.store(true);
    io_decrement();
    stopping_event.wait();
    stopped.store(true);  // resources released
  }
};

// A request runs only while the device is not stopped.
template <class Enter>
void device_request(Device& device, Enter enter) {
  if (!enter()) return;
  WEFT_ASSERT(!device.stopped.load());
  device.io_decrement();
}

WEFT_SCENARIO_MUST_FAIL(bluetooth_driver, "a request checks the stopping flag before it counts itself pending") {
  Device device;
  auto enter = [&] {
    if (device.stopping.load()) return false;
    device.io_increment();
    return true;
  };
  auto request = weft::spawn([&] { device_request(device, enter); }, {.name = "request"});
  auto stopper = weft::spawn([&] { device.stop(); }, {.name = "stopper"});
  request.join();
  stopper.join();
}

WEFT_SCENARIO(bluetooth_driver_fixed, "a request counts itself pending first, then checks the flag (and backs out)") {
  Device device;
  auto enter = [&] {
    device.io_increment();
    if (device.stopping.load()) {
      device.io_decrement();
      return false;
    }
    return true;
  };
  auto request = weft::spawn([&] { device_request(device, enter); }, {.name = "request"});
  auto stopper = weft::spawn([&] { device.stop(); }, {.name = "stopper"});
  request.join();
  stopper.join();
}

// --- StringBuffer.append(StringBuffer): the length and the copy under two locks --------
// SCTBench CB/stringbuffer-jdk1.4, the JDK 1.4 atomicity violation found by Flanagan and
// Freund: append() asks the other buffer for its length, lets go of its lock, then
// copies that many characters; a concurrent erase in between makes the copy run past the
// end (the JDK threw StringIndexOutOfBoundsException).

class SyncBuffer {
 public:
  explicit SyncBuffer(std::string text) : text_(std::move(text)) {}

  std::size_t length() {
    std::lock_guard guard(mutex_);
    return text_.load().size();
  }
  std::string prefix(std::size_t count) {
    std::lock_guard guard(mutex_);
    std::string text = text_.load();
    WEFT_ASSERT(count <= text.size());  // getChars: index out of bounds
    return text.substr(0, count);
  }
  std::string snapshot() {
    std::lock_guard guard(mutex_);
    return text_.load();
  }
  void erase() {
    std::lock_guard guard(mutex_);
    text_.store(std::string());
  }
  void append_text(const std::string& more) {
    std::lock_guard guard(mutex_);
    text_.store(text_.load() + more);
  }

 private:
  weft::Mutex mutex_;
  Shared<std::string> text_;
};

WEFT_SCENARIO_MUST_FAIL(stringbuffer_append, "append(other) reads other's length, then copies under a new lock") {
  SyncBuffer target("abc"), source("defg");
  auto appender = weft::spawn(
      [&] {
        std::size_t count = source.length();
        target.append_text(source.prefix(count));
      },
      {.name = "appender"});
  auto eraser = weft::spawn([&] { source.erase(); }, {.name = "eraser"});
  appender.join();
  eraser.join();
}

WEFT_SCENARIO(stringbuffer_append_fixed, "append(other) copies other's text in one locked step") {
  SyncBuffer target("abc"), source("defg");
  auto appender = weft::spawn([&] { target.append_text(source.snapshot()); }, {.name = "appender"});
  auto eraser = weft::spawn([&] { source.erase(); }, {.name = "eraser"});
  appender.join();
  eraser.join();
  std::string result = target.snapshot();
  WEFT_ASSERT(result == "abc" || result == "abcdefg");
}

// --- reorder: two stores a checker expects to see together ----------------------------
// SCTBench CS/reorder_5_bad and reorder_20_bad: setters write a = 1 then b = -1; a
// checker expects either both old values or both new ones. Each store is atomic, the
// pair is not. With many setters most schedules interleave only setters.

void reorder_run(int setters, bool locked) {
  Atomic<int> a{0}, b{0};
  weft::Mutex mutex;
  std::vector<weft::JoinHandle<void>> fibers;
  for (int i = 0; i < setters; ++i)
    fibers.push_back(weft::spawn([&] {
      std::unique_lock guard(mutex, std::defer_lock);
      if (locked) guard.lock();
      a.store(1);
      b.store(-1);
    }));
  fibers.push_back(weft::spawn(
      [&] {
        std::unique_lock guard(mutex, std::defer_lock);
        if (locked) guard.lock();
        int seen_a = a.load();
        int seen_b = b.load();
        WEFT_ASSERT((seen_a == 0 && seen_b == 0) || (seen_a == 1 && seen_b == -1));
      },
      {.name = "checker"}));
  join_all(fibers);
}

WEFT_SCENARIO_MUST_FAIL(reorder, "four setters store a then b; a checker expects both or neither") {
  reorder_run(4, false);
}

WEFT_SCENARIO(reorder_fixed, "the setters and the checker use one mutex for the pair") { reorder_run(4, true); }

WEFT_SCENARIO_MUST_FAIL(reorder_20, "nineteen setters store a then b; a checker expects both or neither") {
  reorder_run(19, false);
}

WEFT_SCENARIO(reorder_20_fixed, "the nineteen setters and the checker use one mutex for the pair") {
  reorder_run(19, true);
}

// --- reference count: decrement, then read the count ------------------------------------
// Textbook (the reason kref_put and shared_ptr use the value returned by the atomic
// decrement): when the decrement and the zero test are two steps, both owners can see
// zero and destroy the object twice.

struct RefCounted {
  Atomic<int> references{2};
  Atomic<int> destroyed{0};
};

WEFT_SCENARIO_MUST_FAIL(refcount_release, "each owner decrements the count, then reads it to decide who frees") {
  RefCounted object;
  auto release = [&] {
    object.references.fetch_add(-1);
    if (object.references.load() == 0) object.destroyed.fetch_add(1);
  };
  auto first = weft::spawn(release, {.name = "owner-1"});
  auto second = weft::spawn(release, {.name = "owner-2"});
  first.join();
  second.join();
  WEFT_ASSERT(object.destroyed.load() == 1);
}

WEFT_SCENARIO(refcount_release_fixed, "the owner that decrements from 1 frees the object") {
  RefCounted object;
  auto release = [&] {
    if (object.references.fetch_add(-1) == 1) object.destroyed.fetch_add(1);
  };
  auto first = weft::spawn(release, {.name = "owner-1"});
  auto second = weft::spawn(release, {.name = "owner-2"});
  first.join();
  second.join();
  WEFT_ASSERT(object.destroyed.load() == 1);
}

}  // namespace
