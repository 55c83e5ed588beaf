// Topic<Msg>: publish/subscribe (the seed material's Exchange). publish() sends a message
// to every current subscriber: actors that take Msg, or functions.
//
//   weft::Topic<Quote> quotes;
//   auto sub = quotes.subscribe(printer);   // an RAII Subscription: unsubscribes when dropped
//   quotes.publish(Quote{...});
//
// Subscribing and unsubscribing may happen at any time, also during a publish in
// another fiber or thread (or inside a subscriber function): a publish sends to the
// subscribers of the moment it started, from a snapshot, without holding a lock while it
// delivers. Each subscriber gets its own copy of the message (the last one gets the
// original, moved). Subscribers that have exited are dropped on the next publish.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "weft/actor/actor_ref.hpp"
#include "weft/actor/detail/message_traits.hpp"
#include "weft/sched/instrumentation.hpp"
#include "weft/sched/spinlock.hpp"

namespace weft {

template <class Msg>
class Topic;

// Ends one subscription when destroyed (or by reset()). Move-only; may outlive its topic.
class Subscription {
 public:
  Subscription() = default;
  Subscription(Subscription&& other) noexcept : cancel_(std::exchange(other.cancel_, nullptr)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::exchange(other.cancel_, nullptr);
    }
    return *this;
  }
  ~Subscription() { reset(); }

  // Unsubscribes now (publishes that already started may still deliver once).
  void reset() noexcept {
    if (cancel_) std::exchange(cancel_, nullptr)();
  }
  bool active() const noexcept { return cancel_ != nullptr; }

 private:
  template <class Msg>
  friend class Topic;
  explicit Subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  std::function<void()> cancel_;
};

template <class Msg>
class Topic {
  // A subscriber: delivers a copy; false once it is gone for good (exited actor).
  struct Subscriber {
    std::uint64_t id;
    std::function<bool(Msg&&)> deliver;
  };
  using List = std::vector<Subscriber>;
  struct State {
    sched::detail::SpinLock lock;
    std::shared_ptr<const List> subscribers = std::make_shared<const List>();
    std::uint64_t next_id = 1;
  };

 public:
  Topic() = default;
  Topic(const Topic&) = delete;
  Topic& operator=(const Topic&) = delete;

  // Subscribes an actor whose message type accepts Msg.
  template <class ActorMsg>
    requires detail::accepts_v<ActorMsg, Msg>
  [[nodiscard]] Subscription subscribe(ActorRef<ActorMsg> actor) {
    return add([actor](Msg&& m) { return actor.tell(std::move(m)) != Delivery::dead; });
  }
  // Subscribes a function, called in the publishing fiber (keep it short and
  // non-blocking; it must not throw).
  [[nodiscard]] Subscription subscribe(std::function<void(const Msg&)> sink) {
    return add([sink = std::move(sink)](Msg&& m) {
      sink(m);
      return true;
    });
  }

  // Sends `message` to every current subscriber; returns how many got it.
  std::size_t publish(Msg message) {
    sched::schedule_point(sched::Op::Send, state_.get());
    std::shared_ptr<const List> list = snapshot();
    std::size_t delivered = 0;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const bool last = i + 1 == list->size();
      bool ok;
      if (last) {
        ok = (*list)[i].deliver(std::move(message));
      } else {
        Msg copy(message);
        ok = (*list)[i].deliver(std::move(copy));
      }
      if (ok)
        ++delivered;
      else
        remove_from(*state_, (*list)[i].id);
    }
    return delivered;
  }

  // Current subscribers (a snapshot).
  std::size_t size() const { return snapshot()->size(); }

 private:
  Subscription add(std::function<bool(Msg&&)> deliver) {
    sched::schedule_point(sched::Op::Custom, state_.get());
    std::uint64_t id;
    {
      std::lock_guard guard(state_->lock);
      id = state_->next_id++;
      auto next = std::make_shared<List>(*state_->subscribers);
      next->push_back(Subscriber{id, std::move(deliver)});
      state_->subscribers = std::move(next);
    }
    std::weak_ptr<State> weak = state_;
    return Subscription([weak, id] {
      if (std::shared_ptr<State> state = weak.lock()) remove_from(*state, id);
    });
  }
  static bool remove_from(State& state, std::uint64_t id) {
    std::shared_ptr<const List> old;   // released after the lock
    std::lock_guard guard(state.lock);
    auto next = std::make_shared<List>();
    for (const Subscriber& s : *state.subscribers)
      if (s.id != id) next->push_back(s);
    if (next->size() == state.subscribers->size()) return false;
    old = std::exchange(state.subscribers, std::move(next));
    return true;
  }
  std::shared_ptr<const List> snapshot() const {
    std::lock_guard guard(state_->lock);
    return state_->subscribers;
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace weft
