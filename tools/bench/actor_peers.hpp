// The programs of the actor cases: the same Savina-style workloads on weft
// (tools/bench/actors_weft.cpp), in CAF 0.17 (tools/bench/peers/actors_caf.cpp, built
// with weft) and in Erlang/OTP (tools/bench/peers/actors.erl, compiled with erlc into the
// build directory when first needed). Each run is a process of its own, which times its
// workload, checks its result and prints one JSON line.
//
// Cases: ping_pong (1M round trips), thread_ring (503 actors, 10M hops), counting (1M
// increments to one counter), fork_join_create (40,000 actors), big (120 actors x 20,000
// pings); quick runs are 1/100 of that.
#pragma once

#include <string>

namespace weft::bench {

// One run of a peer: the workload's wall time, that time per operation (per round trip,
// hop, message, created actor or ping), and the peak RSS of the peer's process.
struct ActorPeerRun {
  double ns = 0;
  double per_op_ns = 0;
  // MB = 10^6 bytes, the whole process (runtime included), from its rusage. Linux starts
  // a spawned process's peak at its parent's RSS of the moment: call these from a small
  // process (a weft-bench --child measurement) for the peer's own figure.
  double peak_rss_mb = 0;
};

// Runs `case_name` on weft with `threads` workers (actors_weft, built with weft-bench).
// Failure as run_caf.
ActorPeerRun run_weft_actors(const std::string& case_name, int threads, bool quick);

// Runs `case_name` on CAF with `threads` scheduler threads. Throws Skip when CAF was not
// found at build time or actors_caf is not built, Failure when the run failed or its
// result was wrong.
ActorPeerRun run_caf(const std::string& case_name, int threads, bool quick);

// Runs `case_name` on Erlang with `threads` schedulers (+S threads:threads). Throws Skip
// when erl or erlc is missing or actors.erl does not compile, Failure as run_caf.
ActorPeerRun run_erlang(const std::string& case_name, int threads, bool quick);

}  // namespace weft::bench
