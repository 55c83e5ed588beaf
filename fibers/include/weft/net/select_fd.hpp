// fd readiness as cases of weft::select, beside channels and deadlines: one wait over
// queues and sockets (the source material's "pollable queue", section 12.13).
//
//   weft::select(weft::on_recv(commands, [](Command c) { ... }),
//                weft::on_readable(connection.fd(), [&] { handle(connection); }),
//                weft::after(1s, [] { tick(); }));
//
//   on_readable(fd[, fn]), on_writable(fd[, fn])   fd: a weft::FileDescriptor (its
//       registration is reused) or a raw int fd (registered for this select only).
//       Fires with ChannelStatus::ok when the fd is probably ready: the call that
//       follows may still find EAGAIN.
#pragma once

#include <poll.h>

#include <utility>

#include "weft/channel/select.hpp"
#include "weft/net/file_descriptor.hpp"
#include "weft/sched/io_wait.hpp"
#include "weft/sched/scheduler.hpp"

namespace weft {

namespace detail {

// A select case over one fd and direction.
template <class F>
class FdCase final : public SelectCase {
 public:
  FdCase(FileDescriptor* owned, int fd, sched::Interest interest, F fn)
      : SelectCase(Kind::Wait), owned_(owned), fd_(fd), interest_(interest), fn_(std::move(fn)) {}
  ~FdCase() {
    if (temporary_ != nullptr) sched::deregister_io(*temporary_);
  }

  const void* object() const noexcept override { return registration_; }
  void prepare() override {
    if (registration_ == nullptr) {
      if (owned_ != nullptr) {
        registration_ = &owned_->registration();
      } else {
        temporary_ = &sched::register_io(fd_, "weft::select");
        registration_ = temporary_;
      }
    }
    completed_ = false;
  }
  bool try_fire() override {
    pollfd p{registration_->fd, static_cast<short>(interest_ == sched::Interest::Readable ? POLLIN : POLLOUT), 0};
    return ::poll(&p, 1, 0) > 0;
  }
  void enqueue(sched::WaitTicket ticket, std::uintptr_t index) noexcept override {
    ticket_ = ticket;
    try {
      sched::io_reactor("weft::select").arm(*registration_, interest_, ticket, index);
      armed_ = true;
    } catch (...) {
      armed_ = false;  // another fiber waits on this fd and direction: this case stays idle
    }
  }
  void dequeue() noexcept override {
    if (!armed_) return;
    armed_ = false;
    // Not taken back: readiness claimed it (maybe losing the claim to a deadline).
    completed_ = !sched::Scheduler::current()->reactor().disarm(*registration_, interest_, ticket_);
  }
  bool completed() const noexcept override { return completed_; }
  ChannelStatus complete() override {
    armed_ = false;
    call_handler(fn_);
    return ChannelStatus::ok;
  }

 private:
  FileDescriptor* owned_;
  int fd_;
  sched::Interest interest_;
  F fn_;
  sched::IoRegistration* registration_ = nullptr;
  sched::IoRegistration* temporary_ = nullptr;
  sched::WaitTicket ticket_{};
  bool armed_ = false;
  bool completed_ = false;
};

}  // namespace detail

template <class F = detail::NoHandler>
detail::FdCase<F> on_readable(FileDescriptor& fd, F fn = {}) {
  return detail::FdCase<F>(&fd, fd.get(), sched::Interest::Readable, std::move(fn));
}
template <class F = detail::NoHandler>
detail::FdCase<F> on_writable(FileDescriptor& fd, F fn = {}) {
  return detail::FdCase<F>(&fd, fd.get(), sched::Interest::Writable, std::move(fn));
}
template <class F = detail::NoHandler>
detail::FdCase<F> on_readable(int fd, F fn = {}) {
  return detail::FdCase<F>(nullptr, fd, sched::Interest::Readable, std::move(fn));
}
template <class F = detail::NoHandler>
detail::FdCase<F> on_writable(int fd, F fn = {}) {
  return detail::FdCase<F>(nullptr, fd, sched::Interest::Writable, std::move(fn));
}

}  // namespace weft
