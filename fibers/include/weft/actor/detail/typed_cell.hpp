// ActorCellOf<Msg>: an actor's cell with its typed mailbox.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "weft/actor/detail/actor_cell.hpp"
#include "weft/actor/detail/message_traits.hpp"
#include "weft/actor/mailbox.hpp"

namespace weft::detail {

template <class Msg>
class ActorCellOf final : public ActorCell {
 public:
  ActorCellOf(std::string name, MailboxOptions options)
      : ActorCell(std::move(name)), mailbox_(options, this->name()) {}

  Mailbox<Msg>& mailbox() noexcept { return mailbox_; }

  // Asks the actor to stop once it reaches this point of its mailbox.
  void post_stop() {
    auto letter = std::make_unique<Envelope<Msg>>();
    (void)mailbox_.put(letter, std::nullopt, true);
  }

 protected:
  bool post_exit_signal(ExitSignal&& signal) override { return post_system(std::move(signal)); }
  bool post_down(Down&& down) override { return post_system(std::move(down)); }
  void close_mailbox() noexcept override { mailbox_.close(); }

 private:
  template <class M>
  bool post_system(M&& message) {
    if constexpr (accepts_v<Msg, M>) {
      auto letter = std::make_unique<Envelope<Msg>>(Msg(std::move(message)));
      (void)mailbox_.put(letter, std::nullopt, true);
      return true;
    } else {
      return false;
    }
  }

  Mailbox<Msg> mailbox_;
};

}  // namespace weft::detail
