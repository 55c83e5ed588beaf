// Ask<Request, Reply>: a request that expects a reply. An actor that answers requests
// puts Ask<Request, Reply> in its message type; ActorRef::ask(request, timeout) sends one
// and returns a Future<Reply>; the actor's handler answers with reply() (or fail()).
//
//   using CounterMsg = std::variant<Increment, Ask<GetCount, int>>;
//   void handle(Ask<GetCount, int> ask) { ask.reply(count_); }
//   int n = counter.ask(GetCount{}, 1s).get();
//
// The future never hangs: it completes with the reply, with the exception given to
// fail(), with NoReply when the handler dropped the Ask unanswered, with ActorExited when
// the actor exits before answering (or was dead when asked), or with AskTimeout when the
// timeout passes first. The first of these wins; later ones are ignored.
#pragma once

#include <atomic>
#include <exception>
#include <optional>
#include <memory>
#include <type_traits>
#include <utility>

#include "weft/actor/detail/actor_cell.hpp"
#include "weft/actor/exit_reason.hpp"
#include "weft/errors.hpp"
#include "weft/future/future.hpp"
#include "weft/spawn.hpp"
#include "weft/sync/event.hpp"

namespace weft {

namespace detail {

// What an Ask, its future and its timeout share. The first to settle() completes the
// promise; `settled_` decides who that is.
template <class Reply>
class AskState {
 public:
  // The promise's home is the asker's runtime (none: cross-thread).
  explicit AskState(std::shared_ptr<ActorCell> target)
      : target_(std::move(target)) {}

  Future<Reply> future() { return promise_.get_future(); }

  template <class... V>
  void set_value(V&&... value) {
    if (!claim()) return;
    promise_.set_value(std::forward<V>(value)...);
    answered_.set();
  }
  void set_exception(std::exception_ptr error) {
    if (!claim()) return;
    promise_.set_exception(std::move(error));
    answered_.set();
  }
  // The Ask was destroyed unanswered: the actor exited, or dropped it. Dropped while an
  // exception leaves the actor's handler, the answer waits for the outcome: the actor's
  // exit reason if that exception ends it (the usual case, a crash), else NoReply.
  static void abandon(std::shared_ptr<AskState> state) {
    ActorCell& target = *state->target_;
    if (std::uncaught_exceptions() > 0 && target.runs_on_calling_fiber()) {
      target.orphan_ask([state](const ExitReason* reason) {
        if (reason != nullptr)
          state->set_exception(std::make_exception_ptr(ActorExited(state->target_->name(), *reason)));
        else
          state->set_exception(std::make_exception_ptr(NoReply(state->target_->name())));
      });
      return;
    }
    if (std::optional<ExitReason> reason = target.exit_reason())
      state->set_exception(std::make_exception_ptr(ActorExited(target.name(), *reason)));
    else
      state->set_exception(std::make_exception_ptr(NoReply(target.name())));
  }
  // Runs in the ask's timer fiber: waits for an answer until `deadline`.
  void time_out_at(TimePoint deadline) {
    try {
      if (answered_.wait_until(deadline)) return;
    } catch (const Cancelled&) {  // the runtime is shutting down: nobody waits for it
    }
    set_exception(std::make_exception_ptr(AskTimeout(target_->name())));
  }

 private:
  bool claim() noexcept { return !settled_.exchange(true, std::memory_order_acq_rel); }

  std::atomic<bool> settled_{false};
  Promise<Reply> promise_;
  Event answered_;
  std::shared_ptr<ActorCell> target_;
};

}  // namespace detail

template <class Request, class Reply>
class Ask {
 public:
  using request_type = Request;
  using reply_type = Reply;

  Ask(Request request, std::shared_ptr<detail::AskState<Reply>> state) noexcept(
      std::is_nothrow_move_constructible_v<Request>)
      : request_(std::move(request)), state_(std::move(state)) {}
  Ask(Ask&&) noexcept = default;
  Ask& operator=(Ask&&) = delete;
  // Unanswered: the asker's future completes with NoReply, or ActorExited when the actor
  // is exiting.
  ~Ask() {
    if (state_) detail::AskState<Reply>::abandon(std::move(state_));
  }

  Request& request() noexcept { return request_; }
  const Request& request() const noexcept { return request_; }
  Request* operator->() noexcept { return &request_; }

  // Answers the ask (once; UsageError after an answer). Any fiber or thread may answer:
  // an actor can hand the Ask on to another actor that replies.
  template <class R = Reply>
    requires(!std::is_void_v<R>)
  void reply(R value) {
    take_state("reply")->set_value(std::move(value));
  }
  template <class R = Reply>
    requires std::is_void_v<R>
  void reply() {
    take_state("reply")->set_value();
  }
  // Answers with an error: the asker's get() throws it.
  void fail(std::exception_ptr error) { take_state("fail")->set_exception(std::move(error)); }

  // True once reply() or fail() was called.
  bool answered() const noexcept { return state_ == nullptr; }

 private:
  std::shared_ptr<detail::AskState<Reply>> take_state(const char* call) {
    if (!state_) throw UsageError(std::string("weft::Ask::") + call + ": the ask was already answered");
    return std::move(state_);
  }

  Request request_;
  std::shared_ptr<detail::AskState<Reply>> state_;
};

}  // namespace weft
