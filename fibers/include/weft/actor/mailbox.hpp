// An actor's mailbox: many senders, one receiver (the actor), optionally bounded.
//
// Users meet it through MailboxOptions (given at spawn) and through what tell() returns;
// the Mailbox class itself is the actor runtime's.
//
// How it is built: a lock-free MpscQueue (weft/sched/mpsc_queue.hpp) of envelopes (from
// per-thread free lists, letter_pool.hpp). A send takes an envelope, links it with one
// exchange, and looks whether the actor
// sleeps (one load); only then does it take the kernel's wake path. The actor sleeps with
// a claimed wait (kind Mailbox) after announcing itself in `sleeping_` and looking at the
// queue once more. A bounded mailbox also counts its letters; senders that find it full
// act by the overflow policy, and blocked senders wait in a WaitQueue behind a spin lock
// that only the full case touches.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <source_location>
#include <string>

#include "weft/actor/detail/letter_pool.hpp"
#include "weft/actor/exit_reason.hpp"
#include "weft/errors.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/kernel.hpp"
#include "weft/sched/macros.hpp"
#include "weft/sched/mpsc_queue.hpp"
#include "weft/sched/spinlock.hpp"
#include "weft/sched/wait_queue.hpp"
#include "weft/time.hpp"

namespace weft {

// What a sender does when a bounded mailbox is full.
enum class Overflow : std::uint8_t {
  block,  // the sender waits for room (tell_for/tell_until give up at a deadline)
  drop,   // the new message is dropped; tell() returns Delivery::dropped
  fail,   // tell() throws MailboxFull; the message is dropped
};

struct MailboxOptions {
  std::size_t capacity = 0;           // most letters waiting at once; 0 = unbounded
  Overflow overflow = Overflow::block;
};

// What became of a message given to tell().
enum class Delivery : std::uint8_t {
  delivered,  // it is in the mailbox (the actor may still exit before reading it)
  dropped,    // the mailbox was full and its policy is drop
  dead,       // the actor has exited: nobody will read it
  timeout,    // a full mailbox had no room before the deadline (policy block)
};

const char* to_string(Delivery delivery) noexcept;

namespace detail {

// One letter: a message, or (empty) the request to stop after the letters before it.
template <class Msg>
struct Envelope : sched::MpscNode {
  Envelope() = default;
  explicit Envelope(Msg&& m) : message(std::move(m)) {}
  std::optional<Msg> message;

  static void* operator new(std::size_t bytes) { return allocate_letter(bytes); }
  static void operator delete(void* letter, std::size_t bytes) noexcept { free_letter(letter, bytes); }
  // An over-aligned message (alignas beyond the allocator's default) bypasses the pool.
  static void* operator new(std::size_t bytes, std::align_val_t align) { return ::operator new(bytes, align); }
  static void operator delete(void* letter, std::size_t bytes, std::align_val_t align) noexcept {
    ::operator delete(letter, bytes, align);
  }
};

// What a receive found.
enum class Took : std::uint8_t { message, stop, nothing };

template <class Msg>
class Mailbox {
 public:
  using Letter = Envelope<Msg>;

  Mailbox(MailboxOptions options, const std::string& owner)
      : options_(options),
        owner_(owner),
        bounds_(options.capacity != 0 ? std::make_unique<Bounds>() : nullptr) {}
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  ~Mailbox() {
    drain();
    if (sched::MpscNode* front = queue_.front_node()) delete static_cast<Letter*>(front);
  }

  // ---- senders (any fiber or thread) ------------------------------------------------

  // Puts the letter in (taking it from `letter`), or says why not and leaves it there
  // for the caller to destroy -- which completes the future of an ask it carries. Blocks
  // only a full mailbox's sender with policy block, until `deadline` if given. `system`
  // letters (stop requests, exit signals, Down messages) ignore the capacity: the
  // runtime's own messages are never dropped or held back.
  Delivery put(std::unique_ptr<Letter>& letter, const std::optional<TimePoint>& deadline,
               bool system = false, std::source_location where = std::source_location::current()) {
    if (sched::Instrumentation* hooks = visible(sched::Op::Send, where)) hooks->hb_release(this);
    if (closed_.load(std::memory_order_acquire)) return Delivery::dead;
    if (bounds_) {
      if (system) {
        bounds_->count.fetch_add(1, std::memory_order_seq_cst);
      } else if (const Delivery room = reserve(deadline); room != Delivery::delivered) {
        return room;
      }
    }
    queue_.push(*letter.release());
    // A close that raced the push may have drained before the letter was reachable.
    if (WEFT_UNLIKELY(closed_.load(std::memory_order_seq_cst))) {
      drain();
      return Delivery::dead;
    }
    if (sleeping_.load(std::memory_order_seq_cst)) {
      if (sleeping_.exchange(false, std::memory_order_seq_cst))
        sched::try_wake(sched::WaitTicket{receiver_.load(std::memory_order_relaxed),
                                          wait_epoch_.load(std::memory_order_relaxed)},
                        sched::WakeReason::Notified);
      if (lagging_.load(std::memory_order_relaxed) != 0) lagging_.store(0, std::memory_order_relaxed);
    } else if (!system) {
      note_lag();
    }
    return Delivery::delivered;
  }

  // ---- the receiver (the actor's fiber) ---------------------------------------------

  // Moves the next message into `out` (message), or finds a stop letter (stop), waiting
  // until `deadline` (nothing). Throws Cancelled when the actor's fiber is cancelled
  // while it waits.
  Took take(std::optional<Msg>& out, const std::optional<TimePoint>& deadline,
            std::source_location where = std::source_location::current()) {
    (void)visible(sched::Op::Recv, where);
    for (;;) {
      if (const Took took = try_take(out); took != Took::nothing) return took;
      if (!sleep(deadline)) return Took::nothing;
    }
  }

  // As take, without waiting. The letter stays in the queue as its front until the
  // next take (that is how the queue avoids an atomic per message); its message is
  // moved out and destroyed now.
  Took try_take(std::optional<Msg>& out) noexcept {
    Letter* letter = pop_letter();
    if (letter == nullptr) return Took::nothing;
    if (bounds_) release_room();
    sched::hb_acquire(this);
    std::optional<Msg>& message = letter->message;
    if (!message) return Took::stop;
    out.emplace(std::move(*message));
    message.reset();
    return Took::message;
  }

  // After close(): every letter is destroyed, no new one is accepted, blocked senders
  // return dead. The receiver or anyone after it ended; idempotent.
  void close() {
    closed_.store(true, std::memory_order_seq_cst);
    drain();
    if (bounds_) {
      std::lock_guard guard(bounds_->senders_lock);
      bounds_->blocked.notify_all();
    }
  }

  // Letters waiting (bounded mailboxes only; unbounded ones do not count: 0).
  std::size_t size() const noexcept {
    return bounds_ ? bounds_->count.load(std::memory_order_relaxed) : 0;
  }

 private:
  // Under the checker: a visible operation on this mailbox, named after its actor.
  // Returns the checker's hooks (null in production).
  sched::Instrumentation* visible(sched::Op op, std::source_location where) {
    sched::Instrumentation* hooks = sched::detail::instrumentation();
    if (WEFT_UNLIKELY(hooks != nullptr)) {
      hooks->on_named(this, owner_.c_str());
      hooks->schedule_point(op, this, where);
    }
    return hooks;
  }

  // The consumer's pop: the next letter (it becomes the queue's front), freeing the
  // previous front; null when nothing is reachable.
  Letter* pop_letter() noexcept {
    sched::MpscNode* retired = nullptr;
    sched::MpscNode* node = queue_.pop(retired);
    if (retired != nullptr) delete static_cast<Letter*>(retired);
    return static_cast<Letter*>(node);
  }

  // Fair share (Erlang charges a send to a long mailbox the same way): a sender that
  // has put kLagYield letters in while the receiver never slept lets other fibers run,
  // the receiver among them, instead of piling up letters it cannot read. The count is
  // a hint: racing senders may lose increments.
  static constexpr std::uint32_t kLagYield = 256;
  void note_lag() {
    const std::uint32_t lag = lagging_.load(std::memory_order_relaxed) + 1;
    lagging_.store(lag == kLagYield ? 0 : lag, std::memory_order_relaxed);
    if (WEFT_UNLIKELY(lag == kLagYield)) yield_to_receiver();
  }
  WEFT_NOINLINE static void yield_to_receiver() {
    if (sched::current_fiber() != nullptr) sched::yield();
  }

  // Parks the receiver until a sender wakes it. False at the deadline.
  bool sleep(const std::optional<TimePoint>& deadline) {
    if (deadline && *deadline <= sched::now()) return false;
    const sched::WaitTicket ticket =
        sched::begin_wait(sched::WaitKind::Mailbox, this, owner_.c_str());
    receiver_.store(ticket.fiber, std::memory_order_relaxed);
    wait_epoch_.store(ticket.epoch, std::memory_order_relaxed);
    sleeping_.store(true, std::memory_order_seq_cst);
    // A letter pushed before the announcement was visible: end the wait ourselves, unless
    // its sender already took the announcement (then it wakes us).
    if (queue_.maybe_nonempty() && sleeping_.exchange(false, std::memory_order_seq_cst))
      (void)sched::try_wake(ticket, sched::WakeReason::Notified);
    const sched::WaitOutcome outcome = sched::await(ticket, deadline);
    if (outcome.reason == sched::WakeReason::Notified) return true;
    sleeping_.store(false, std::memory_order_seq_cst);  // a late sender's wake fails its claim
    if (outcome.reason == sched::WakeReason::Timeout) return false;
    throw Cancelled();
  }

  // Takes a place in a bounded mailbox, or says why not.
  Delivery reserve(const std::optional<TimePoint>& deadline) {
    for (;;) {
      std::size_t count = bounds_->count.load(std::memory_order_relaxed);
      while (count < options_.capacity) {
        if (bounds_->count.compare_exchange_weak(count, count + 1, std::memory_order_seq_cst))
          return Delivery::delivered;
      }
      switch (options_.overflow) {
        case Overflow::drop: return Delivery::dropped;
        case Overflow::fail: throw MailboxFull(owner_);
        case Overflow::block: break;
      }
      if (const Delivery waited = wait_for_room(deadline); waited != Delivery::delivered)
        return waited;
    }
  }

  // A sender waits until the receiver takes a letter (delivered: try again), the deadline
  // (timeout) or the end of the actor (dead).
  Delivery wait_for_room(const std::optional<TimePoint>& deadline) {
    Bounds& b = *bounds_;
    std::unique_lock guard(b.senders_lock);
    b.blocked_count.fetch_add(1, std::memory_order_seq_cst);
    struct Leave {
      std::atomic<std::size_t>& n;
      ~Leave() { n.fetch_sub(1, std::memory_order_seq_cst); }
    } leave{b.blocked_count};
    if (closed_.load(std::memory_order_acquire)) return Delivery::dead;
    if (b.count.load(std::memory_order_seq_cst) < options_.capacity) return Delivery::delivered;
    if (deadline && *deadline <= sched::now()) return Delivery::timeout;
    const sched::WaitTicket ticket =
        sched::begin_wait(sched::WaitKind::Mailbox, this, "mailbox full");
    sched::Waiter waiter(ticket);
    b.blocked.push_back(waiter);
    guard.unlock();
    const sched::WaitOutcome outcome = sched::await(ticket, deadline);
    guard.lock();
    b.blocked.remove(waiter);
    if (closed_.load(std::memory_order_acquire)) return Delivery::dead;
    if (outcome.reason == sched::WakeReason::Cancelled) throw Cancelled();
    if (outcome.reason == sched::WakeReason::Timeout) return Delivery::timeout;
    return Delivery::delivered;
  }

  // The receiver took a letter from a bounded mailbox: room for one blocked sender.
  void release_room() noexcept {
    Bounds& b = *bounds_;
    b.count.fetch_sub(1, std::memory_order_seq_cst);
    if (b.blocked_count.load(std::memory_order_seq_cst) != 0) {
      std::lock_guard guard(b.senders_lock);
      b.blocked.notify_one();
    }
  }

  // Destroys the message of every reachable letter (the asks among them fail now).
  // Drainers exclude each other (only one consumer may pop); a sender whose letter was
  // not yet reachable drains after linking it.
  void drain() noexcept {
    std::lock_guard guard(drain_lock_);
    while (Letter* letter = pop_letter()) {
      if (bounds_) bounds_->count.fetch_sub(1, std::memory_order_relaxed);
      letter->message.reset();
    }
  }

  const MailboxOptions options_;
  const std::string& owner_;  // the actor's name (owned by its cell)
  sched::MpscQueue queue_;
  // Right after the queue's tail: on the producers' cache line, which every put reads.
  std::atomic<bool> sleeping_{false};
  std::atomic<std::uint32_t> lagging_{0};  // letters put since the receiver last slept
  std::atomic<bool> closed_{false};
  // The receiver's current wait, written before sleeping_ is announced. A sender that
  // read them late, while the receiver already waits again, wakes that wait instead: a
  // spurious wake-up, which take() absorbs by looking at the queue again.
  std::atomic<sched::Fiber*> receiver_{nullptr};
  std::atomic<std::uint64_t> wait_epoch_{0};
  sched::detail::PlainSpinLock drain_lock_;  // taken once or twice per actor: never worth biasing
  // What only bounded mailboxes need, apart so that unbounded ones stay small (an
  // allocation of its own, so `count` shares no line with the queue).
  struct Bounds {
    std::atomic<std::size_t> count{0};
    std::atomic<std::size_t> blocked_count{0};
    sched::detail::SpinLock senders_lock;
    sched::WaitQueue blocked;
  };
  const std::unique_ptr<Bounds> bounds_;
};

}  // namespace detail

}  // namespace weft
