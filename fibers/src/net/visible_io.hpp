// What the interleaving checker sees of fd I/O. Every call that moves bytes or
// connections through the kernel is a visible operation (a schedule point, where a
// controlled run may switch fibers), and the kernel's buffers synchronise like a lock:
// a send releases, a receive acquires. One object stands for every fd, so data passed
// through any of them orders its sender before its receiver: coarser than the truth (it
// may hide a race between fibers that talk over unrelated fds), never a false race.
// In production each of these is one thread-local read.
#pragma once

#include <cstdio>

#include "weft/sched/instrumentation.hpp"

namespace weft::net_detail {

inline constexpr char kKernelBuffers = 0;  // its address is the one object

// The schedule point of a call on `fd` (whose object is `fd_object`): reports then call
// the object "fd N" rather than give its address.
inline void io_point(const void* fd_object, int fd) {
  if (sched::detail::instrumentation() == nullptr) return;
  char name[16];
  std::snprintf(name, sizeof name, "fd %d", fd);
  sched::name_object(fd_object, name);
  sched::schedule_point(sched::Op::Io, fd_object);
}

inline void before_send(const void* fd_object, int fd) {
  io_point(fd_object, fd);
  sched::hb_release(&kKernelBuffers);
}

inline void before_receive(const void* fd_object, int fd) { io_point(fd_object, fd); }

inline void after_receive() { sched::hb_acquire(&kKernelBuffers); }

}  // namespace weft::net_detail
