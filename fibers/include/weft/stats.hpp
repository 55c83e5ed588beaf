// weft::stats(): what the runtime running the calling fiber has done since its run()
// started, per worker -- switches (a fiber yielded, blocked or ended), wake-ups from
// other threads, idle waits, fibers queued -- and for the whole runtime: live fibers,
// the reactor's calls (epoll_wait/poll/select, epoll_ctl, readiness delivered) and the
// blocking pool's threads and jobs.
//
//   weft::RuntimeStats s = weft::stats();
//   std::printf("%llu switches, %llu epoll_wait\n", s.workers[0].switches, s.io.waits);
//
// Counts are read while the workers run, each one as it is at that moment.
#pragma once

#include "weft/sched/scheduler.hpp"

namespace weft {

using RuntimeStats = sched::SchedulerStats;
using WorkerStats = sched::WorkerStats;

// Throws UsageError outside a fiber.
RuntimeStats stats();

}  // namespace weft
