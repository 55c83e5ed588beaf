// Fd readiness in controlled runs (see checked_reactor.hpp).
#include "checked_reactor.hpp"

#include <poll.h>

#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::check::detail {

void CheckedReactor::begin_run() noexcept {
  for (auto& r : registrations_) r->armed[0] = r->armed[1] = sched::WaitTicket{};
  armed_count_ = 0;
}

sched::IoRegistration* CheckedReactor::register_fd(int fd) {
  if (fd < 0) throw sched::UsageError("weft: register_fd: invalid file descriptor " + std::to_string(fd));
  Registration* r;
  if (!free_.empty()) {
    r = free_.back();
    free_.pop_back();
  } else {
    registrations_.push_back(std::make_unique<Registration>());
    r = registrations_.back().get();
  }
  r->fd = fd;
  r->armed[0] = r->armed[1] = sched::WaitTicket{};
  return r;
}

void CheckedReactor::arm(sched::IoRegistration& registration, sched::Interest interest,
                         sched::WaitTicket ticket, std::uintptr_t claim_detail) {
  auto& r = static_cast<Registration&>(registration);
  const int i = sched::interest_index(interest);
  if (r.armed[i].fiber != nullptr)
    sched::throw_second_waiter(r.fd, interest);
  // Not claimed here even if the fd is ready: the fiber parks, and the next decision
  // (which polls) enables it, so the strategy sees the wait and its end as two steps.
  r.armed[i] = ticket;
  r.claim_detail[i] = claim_detail;
  ++armed_count_;
}

bool CheckedReactor::disarm(sched::IoRegistration& registration, sched::Interest interest,
                            sched::WaitTicket ticket) noexcept {
  auto& r = static_cast<Registration&>(registration);
  sched::WaitTicket& armed = r.armed[sched::interest_index(interest)];
  if (ticket.fiber == nullptr || armed.fiber != ticket.fiber || armed.epoch != ticket.epoch) return false;
  armed = sched::WaitTicket{};
  --armed_count_;
  return true;
}

void CheckedReactor::deregister(sched::IoRegistration& registration) noexcept {
  auto& r = static_cast<Registration&>(registration);
  for (sched::WaitTicket& armed : r.armed) {
    if (armed.fiber == nullptr) continue;
    const sched::WaitTicket waiting = armed;
    armed = sched::WaitTicket{};
    --armed_count_;
    sched::try_wake(waiting, sched::WakeReason::Cancelled, sched::kWakeDeregistered);
  }
  r.fd = -1;
  free_.push_back(&r);
}

bool CheckedReactor::has_armed() const noexcept {
  return armed_count_ != 0 && !poll_armed().empty();
}

const std::vector<CheckedReactor::Ready>& CheckedReactor::poll_armed() const noexcept {
  thread_local std::vector<pollfd> fds;
  fds.clear();
  polled_scratch_.clear();
  ready_scratch_.clear();
  for (const auto& r : registrations_) {
    const bool readable = r->armed[0].fiber != nullptr, writable = r->armed[1].fiber != nullptr;
    if (!readable && !writable) continue;
    fds.push_back({r->fd, static_cast<short>((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)), 0});
    polled_scratch_.push_back(r.get());
  }
  ++stats_.waits;
  if (::poll(fds.data(), fds.size(), 0) <= 0) return ready_scratch_;
  for (std::size_t i = 0; i < fds.size(); ++i) {
    const short e = fds[i].revents;
    if (e == 0) continue;
    // An error or hang-up ends both waits: the call the fiber retries reports it.
    const bool failed = (e & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    ready_scratch_.push_back({polled_scratch_[i], failed || (e & POLLIN) != 0, failed || (e & POLLOUT) != 0});
  }
  return ready_scratch_;
}

std::size_t CheckedReactor::deliver(const std::vector<Ready>& ready, const sched::Fiber* parking) noexcept {
  std::size_t ended = 0;
  for (const Ready& found : ready) {
    const bool wanted[2] = {found.readable, found.writable};
    for (int i = 0; i < 2; ++i) {
      sched::WaitTicket& armed = found.registration->armed[i];
      if (!wanted[i] || armed.fiber == nullptr || armed.fiber == parking) continue;
      const sched::WaitTicket ticket = armed;
      armed = sched::WaitTicket{};
      --armed_count_;
      ++stats_.readiness;
      ended += sched::try_wake(ticket, sched::WakeReason::Notified, found.registration->claim_detail[i]) ? 1 : 0;
    }
  }
  return ended;
}

}  // namespace weft::check::detail
