// Cooperative stop requests: StopSource, StopToken, StopCallback, CancelOnStop.
//
// A StopSource hands out StopTokens; request_stop() sets the flag that every token
// reads and runs the StopCallbacks registered on them. Fibers that poll check
// stop_requested(); a fiber blocked in a weft call is woken through its cancellation:
// CancelOnStop (or a StopCallback that calls JoinHandle::cancel) turns a stop request
// into weft::Cancelled thrown from the fiber's current or next blocking call.
//
//   weft::StopSource stop;
//   auto h = weft::spawn([t = stop.get_token()] {
//     weft::CancelOnStop guard(t);
//     return future.get();          // throws weft::Cancelled once stop is requested
//   });
//   stop.request_stop();
//
// All of it is safe from any thread. Everything before request_stop() happens before a
// stop_requested() that returns true.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "weft/detail/stop_state.hpp"
#include "weft/sched/fiber.hpp"

namespace weft {

template <class F>
class StopCallback;

// A read-only view of a StopSource's flag. Cheap to copy. A default-constructed token
// has no source: stop is never requested and stop_possible() is false.
class StopToken {
 public:
  StopToken() noexcept = default;

  // True once request_stop() was called on the source.
  bool stop_requested() const noexcept;
  // True when the token has a source.
  bool stop_possible() const noexcept { return state_ != nullptr; }

  friend bool operator==(const StopToken& a, const StopToken& b) noexcept {
    return a.state_ == b.state_;
  }

 private:
  friend class StopSource;
  template <class F>
  friend class StopCallback;
  explicit StopToken(std::shared_ptr<detail::StopState> state) noexcept : state_(std::move(state)) {}
  std::shared_ptr<detail::StopState> state_;
};

// Owns a stop flag. Copies share it.
class StopSource {
 public:
  StopSource() : state_(std::make_shared<detail::StopState>()) {}

  // A token that reads this source's flag.
  StopToken get_token() const noexcept { return StopToken(state_); }
  bool stop_requested() const noexcept { return state_->stop_requested(); }

  // Requests stop: sets the flag, then runs every registered callback on the calling
  // thread, in registration order, before returning. Returns true for the call that made
  // the request, false afterwards. Never blocks.
  bool request_stop();

 private:
  std::shared_ptr<detail::StopState> state_;
};

// Runs `fn` once when stop is requested on `token`: inside request_stop() on the
// requesting thread, or at once in the constructor if stop was requested already. `fn`
// must not block or throw (it may call JoinHandle::cancel, Promise::set_value, ...).
// The destructor unregisters; if `fn` is running on another thread it waits (spinning
// with yields) until `fn` has returned. Not copyable or movable.
template <class F>
class StopCallback : private detail::StopCallbackNode {
 public:
  template <class G>
    requires std::is_constructible_v<F, G&&>
  StopCallback(const StopToken& token, G&& fn) : fn_(std::forward<G>(fn)) {
    invoke = &call;
    if (token.state_ && token.state_->add(*this))
      state_ = token.state_;
    else if (token.stop_requested())
      fn_();
  }
  StopCallback(const StopCallback&) = delete;
  StopCallback& operator=(const StopCallback&) = delete;
  ~StopCallback() {
    if (state_) state_->remove(*this);
  }

 private:
  static void call(detail::StopCallbackNode* self) noexcept { static_cast<StopCallback*>(self)->fn_(); }
  F fn_;
  std::shared_ptr<detail::StopState> state_;
};

template <class F>
StopCallback(const StopToken&, F) -> StopCallback<F>;

// While it lives, a stop request on `token` cancels the fiber that created the guard
// (like JoinHandle::cancel): its current or next blocking call throws weft::Cancelled.
// If stop was requested already, the cancel is requested at once. The request stays
// pending if the fiber does not block before the guard ends. Create it on a fiber
// (UsageError otherwise); destroy it on the same fiber.
class CancelOnStop {
 public:
  explicit CancelOnStop(const StopToken& token);

 private:
  struct Cancel {
    sched::Fiber* fiber;
    void operator()() const noexcept { fiber->request_cancel(); }
  };
  StopCallback<Cancel> callback_;
};

}  // namespace weft
