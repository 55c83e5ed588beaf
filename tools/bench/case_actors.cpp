// The actor cases: five Savina-style workloads on weft's actors against the same
// workloads on CAF 0.17 and Erlang/OTP, each on 1 worker (actor_<workload>_1w) and on 2
// (actor_<workload>_2w), the peers on as many scheduler threads:
//
//   ping_pong         two actors, 1,000,000 round trips, one message in flight
//   thread_ring       503 actors in a ring pass one token 10,000,000 hops
//   counting          1,000,000 increments to one counter actor, then an ask for its total
//   fork_join_create  40,000 actors are created, each gets one message, answers, exits
//   big               120 actors each send 20,000 pings to random others (fixed seed),
//                     one at a time, each answered with a pong
//
// Every side is a small program of its own (actors_weft.cpp, peers/actors_caf.cpp,
// peers/actors.erl, run by actor_peers.hpp) that times the workload, checks its result
// and prints one line; sizes, timed spans and checks are the same in all three.
//
// Every run is a fresh process: a runtime with several workers changes how the process
// takes locks for good, and a side's peak RSS is only its own when it is started from a
// small process. Besides the runner's <case>_rss (the measuring process: weft-bench
// waiting for the side's program, whose peak is included), each side reports
// <case>_peak_rss, the peak RSS of the program that ran the actors.
#include <string>
#include <vector>

#include "actor_peers.hpp"
#include "bench.hpp"

namespace weft::bench {

namespace {

struct Workload {
  std::string name;   // the programs' name of it
  std::string unit;   // ns per what
  std::string about;
};

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> all = {
      {"ping_pong", "ns/round trip", "two actors, 1M round trips, one message in flight"},
      {"thread_ring", "ns/hop", "503 actors in a ring pass one token 10M hops"},
      {"counting", "ns/message", "1M increments to one counter actor, then a query of its total"},
      {"fork_join_create", "ns/actor", "40k actors created, each answers one message and exits"},
      {"big", "ns/ping", "120 actors x 20k pings to random others (fixed seed), one in flight each"},
  };
  return all;
}

using ProgramRun = ActorPeerRun (*)(const std::string& case_name, int threads, bool quick);

// A side: its program's run of the workload on `workers` threads, and its peak RSS.
Side program_side(const std::string& key, const std::string& name, ProgramRun run, const Workload& w, int workers,
                  const std::string& rss) {
  auto measure = [run, w, workers, rss](const Options& o) -> Figures {
    const ActorPeerRun r = run(w.name, workers, o.quick);
    return {r.per_op_ns, {{rss, r.peak_rss_mb}}};
  };
  return {key, name, measure, {}, {rss}};
}

Case actor_case(const Workload& w, int workers) {
  const std::string n = std::to_string(workers);
  const std::string on = workers == 1 ? "1 worker" : n + " workers";
  Case c;
  c.name = "actor_" + w.name + "_" + n + "w";
  c.unit = w.unit;
  c.better = Better::Lower;
  const std::string rss = c.name + "_peak_rss";
  c.about = w.about + ", on " + on + " against CAF and Erlang on as many threads; one fresh process per run; "
            "also the peak RSS of the program that ran the actors as " + rss;
  c.isolate = true;
  c.extra = {{rss, "MB", Better::Lower}};
  c.weft = program_side("weft", "weft actors (spawn_actor, tell, ask) on " + on, run_weft_actors, w, workers, rss);
  c.peers.push_back(program_side("caf", "caf 0.17 event-based actors, " + n + (workers == 1 ? " thread" : " threads"),
                                 run_caf, w, workers, rss));
  c.peers.push_back(program_side("erlang", "erlang/otp processes, +S " + n + ":" + n, run_erlang, w, workers, rss));
  return c;
}

}  // namespace

std::vector<Case> actor_cases() {
  std::vector<Case> cases;
  for (const Workload& w : workloads())
    for (int workers : {1, 2}) cases.push_back(actor_case(w, workers));
  return cases;
}

}  // namespace weft::bench
