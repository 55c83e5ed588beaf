// ActorAddress, ExitReason and Delivery: the untyped parts of the actor API.
#include "weft/actor/actor_address.hpp"

#include "weft/actor/detail/actor_cell.hpp"
#include "weft/actor/mailbox.hpp"

namespace weft {

const std::string& ExitReason::describe() const noexcept {
  static const std::string fixed[] = {"normal", "shutdown", "killed"};  // in Kind's order
  return kind_ == Kind::error ? what_ : fixed[static_cast<int>(kind_)];
}

ExitReason ExitReason::error(std::exception_ptr exception) {
  std::string what = "unknown exception";
  try {
    if (exception) std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  return ExitReason(Kind::error, std::move(what), std::move(exception));
}

const char* to_string(Delivery delivery) noexcept {
  switch (delivery) {
    case Delivery::delivered: return "delivered";
    case Delivery::dropped: return "dropped";
    case Delivery::dead: return "dead";
    case Delivery::timeout: return "timeout";
  }
  return "?";
}

detail::ActorCell& ActorAddress::cell() const {
  if (!cell_) throw UsageError("weft::ActorAddress: the address is empty");
  return *cell_;
}

std::uint64_t ActorAddress::id() const noexcept { return cell_ ? cell_->id() : 0; }
const std::string& ActorAddress::name() const { return cell().name(); }
bool ActorAddress::alive() const { return cell().alive(); }
std::optional<ExitReason> ActorAddress::exit_reason() const { return cell().exit_reason(); }
void ActorAddress::exit(const ExitReason& reason) const { cell().exit_signal(ActorAddress(), reason); }
ExitReason ActorAddress::wait() const { return *cell().wait_exit(std::nullopt); }
std::optional<ExitReason> ActorAddress::wait_until(TimePoint deadline) const {
  return cell().wait_exit(deadline);
}

}  // namespace weft
