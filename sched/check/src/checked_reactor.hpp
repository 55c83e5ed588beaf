// The reactor of a controlled run: fd readiness decided at scheduling decisions, never
// by blocking. A scenario may open its own fds (socketpairs, pipes, loopback
// connections); a fiber that waits on one is enabled at the first decision after the fd
// became ready: the controller asks deliver_ready() before every choice of who runs, and
// the fds with armed waits are polled with a zero timeout. Readiness of such fds follows
// from what the scenario's fibers did (a write to one end makes the other readable
// within the write), so a run replays exactly from its schedule. Nothing here blocks:
// timeouts run on the virtual clock, and when no fiber can run, no timer is pending and
// no armed fd is ready, the run is a deadlock whose report names the fds waited on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "weft/sched/reactor.hpp"

namespace weft::check::detail {

class CheckedReactor final : public sched::Reactor {
 public:
  CheckedReactor() = default;
  CheckedReactor(const CheckedReactor&) = delete;
  CheckedReactor& operator=(const CheckedReactor&) = delete;

  // Ends every armed wait whose fd is ready now, except those of `parking` (a fiber
  // still switching out, which must not be made ready under its own feet: the next
  // decision delivers its readiness); returns how many. Cheap when nothing is armed
  // (the case of every scenario without fds).
  std::size_t deliver_ready(const sched::Fiber* parking = nullptr) noexcept {
    return armed_count_ == 0 ? 0 : deliver(poll_armed(), parking);
  }
  // Forgets the interests a run left armed (its fibers are gone); registrations stay,
  // as the fds behind them may outlive a run.
  void begin_run() noexcept;

  // --- sched::Reactor ---
  void prepare_wait() noexcept override {}
  void cancel_wait() noexcept override {}
  // Never blocks, whatever the timeout: the virtual clock stands for the time waited.
  std::size_t wait(std::optional<sched::Duration>) noexcept override { return deliver_ready(); }
  void wake() noexcept override {}  // a controlled run has one kernel thread

  bool supports_fds() const noexcept override { return true; }
  sched::IoRegistration* register_fd(int fd) override;
  void arm(sched::IoRegistration& registration, sched::Interest interest, sched::WaitTicket ticket,
           std::uintptr_t claim_detail) override;
  bool disarm(sched::IoRegistration& registration, sched::Interest interest,
              sched::WaitTicket ticket) noexcept override;
  void deregister(sched::IoRegistration& registration) noexcept override;
  // True only while an armed fd is ready: an fd nobody can make ready keeps nobody alive.
  bool has_armed() const noexcept override;
  sched::IoStats stats() const noexcept override { return stats_; }
  const char* name() const noexcept override { return "checked"; }

 private:
  struct Registration : sched::IoRegistration {
    sched::WaitTicket armed[2];  // by interest: readable, writable
    std::uintptr_t claim_detail[2] = {0, 0};
  };
  struct Ready {
    Registration* registration;
    bool readable;
    bool writable;
  };
  // The armed fds that are ready now (one poll with a zero timeout).
  const std::vector<Ready>& poll_armed() const noexcept;
  std::size_t deliver(const std::vector<Ready>& ready, const sched::Fiber* parking) noexcept;

  std::vector<std::unique_ptr<Registration>> registrations_;
  std::vector<Registration*> free_;
  std::size_t armed_count_ = 0;
  mutable sched::IoStats stats_;
  mutable std::vector<Ready> ready_scratch_;
  mutable std::vector<Registration*> polled_scratch_;
};

}  // namespace weft::check::detail
