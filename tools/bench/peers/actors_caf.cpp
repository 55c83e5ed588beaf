// actors_caf: the CAF 0.17 peer of weft-bench's actor cases, five Savina-style workloads.
//
//   actors_caf <case> <threads> [--quick]
//
//   ping_pong         two actors, 1,000,000 round trips, one message in flight
//   thread_ring       503 actors in a ring pass one token 10,000,000 hops
//   counting          one producer sends 1,000,000 increments to a counter, then asks
//                     for its total
//   fork_join_create  40,000 actors are created, each gets one message, answers, exits
//   big               120 actors each send 20,000 pings to random others (fixed seed),
//                     one at a time, each answered with a pong
//
// --quick divides every size by 100. The scheduler gets exactly <threads> workers. Only
// the workload is timed (from spawning its first actor to the main thread hearing it is
// done), not the actor system's start or shutdown. The result is checked; on success the
// program prints one JSON line, on a wrong result it says why on stderr and exits 1.
#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using next_atom = caf::atom_constant<caf::atom("next")>;
using inc_atom = caf::atom_constant<caf::atom("inc")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using total_atom = caf::atom_constant<caf::atom("total")>;
using work_atom = caf::atom_constant<caf::atom("work")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using peers_atom = caf::atom_constant<caf::atom("peers")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

using Clock = std::chrono::steady_clock;

// The sender of the message being handled, as a handle to answer it with.
caf::actor sender_of(caf::local_actor* self) { return caf::actor_cast<caf::actor>(self->current_sender()); }

// What a case hands back to main: the span it timed, the number of operations in it, the
// value the workload computed and the value it should have computed.
struct Outcome {
  Clock::time_point start;
  Clock::time_point end;
  std::int64_t ops;
  std::int64_t got;
  std::int64_t expected;
};

// The workload's (done, value) message to the main thread, and when it came.
struct Done {
  std::int64_t value = -1;
  Clock::time_point at;
};

// The actors a case leaves alive after the measurement get an exit message then, so the
// actor system can shut down (it waits for every actor).
void stop_all(const std::vector<caf::actor>& actors) {
  for (const caf::actor& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

Done await_done(caf::scoped_actor& main) {
  Done done;
  main->receive([&](done_atom, std::int64_t v) { done.value = v; });
  done.at = Clock::now();
  return done;
}

// ---- ping_pong ------------------------------------------------------------------------

caf::behavior pong_actor(caf::event_based_actor* self) {
  return {[self](ping_atom, std::int64_t n) { self->send(sender_of(self), pong_atom::value, n); }};
}

// Sends ping n, waits for pong n, until `rounds` round trips are done.
caf::behavior ping_actor(caf::event_based_actor* self, caf::actor pong, std::int64_t rounds, caf::actor main) {
  self->send(pong, ping_atom::value, std::int64_t{1});
  return {[=](pong_atom, std::int64_t n) {
    if (n < rounds) {
      self->send(pong, ping_atom::value, n + 1);
    } else {
      self->send(main, done_atom::value, n);
      self->quit();
    }
  }};
}

Outcome ping_pong(caf::actor_system& system, caf::scoped_actor& main, std::int64_t rounds) {
  const auto start = Clock::now();
  caf::actor pong = system.spawn(pong_actor);
  system.spawn(ping_actor, pong, rounds, caf::actor_cast<caf::actor>(main));
  const Done trips = await_done(main);
  stop_all({pong});
  return {start, trips.at, rounds, trips.value, rounds};
}

// ---- thread_ring ----------------------------------------------------------------------

struct RingNode {
  caf::actor next;
};

// A token carries the hops still to go; the node that gets it at 0 tells main its id.
caf::behavior ring_node(caf::stateful_actor<RingNode>* self, std::int64_t id, caf::actor main) {
  return {
      [self](next_atom, caf::actor next) { self->state.next = std::move(next); },
      [self, id, main](token_atom, std::int64_t left) {
        if (left == 0)
          self->send(main, done_atom::value, id);
        else
          self->send(self->state.next, token_atom::value, left - 1);
      },
  };
}

Outcome thread_ring(caf::actor_system& system, caf::scoped_actor& main, std::int64_t nodes, std::int64_t hops) {
  const auto start = Clock::now();
  std::vector<caf::actor> ring;
  for (std::int64_t i = 0; i < nodes; ++i) ring.push_back(system.spawn(ring_node, i, caf::actor_cast<caf::actor>(main)));
  // Each node's mailbox has its neighbour before the token can reach it: these sends
  // enqueue at once, before the token leaves.
  for (std::int64_t i = 0; i < nodes; ++i)
    caf::anon_send(ring[i], next_atom::value, ring[(i + 1) % nodes]);
  caf::anon_send(ring[0], token_atom::value, hops);
  const Done last = await_done(main);
  stop_all(ring);
  // After `hops` hops from node 0 the token is at node hops mod nodes.
  return {start, last.at, hops, last.value, hops % nodes};
}

// ---- counting -------------------------------------------------------------------------

struct Counter {
  std::int64_t total = 0;
};

caf::behavior counter_actor(caf::stateful_actor<Counter>* self) {
  return {
      [self](inc_atom) { ++self->state.total; },
      [self](query_atom) {
        self->send(sender_of(self), total_atom::value, self->state.total);
        self->quit();
      },
  };
}

// Sends all its increments at once (the counter's mailbox takes them all), then the query.
caf::behavior producer_actor(caf::event_based_actor* self, caf::actor counter, std::int64_t n, caf::actor main) {
  for (std::int64_t i = 0; i < n; ++i) self->send(counter, inc_atom::value);
  self->send(counter, query_atom::value);
  return {[=](total_atom, std::int64_t total) {
    self->send(main, done_atom::value, total);
    self->quit();
  }};
}

Outcome counting(caf::actor_system& system, caf::scoped_actor& main, std::int64_t n) {
  const auto start = Clock::now();
  caf::actor counter = system.spawn(counter_actor);
  system.spawn(producer_actor, counter, n, caf::actor_cast<caf::actor>(main));
  const Done total = await_done(main);
  return {start, total.at, n, total.value, n};
}

// ---- fork_join_create -----------------------------------------------------------------

// The trivial computation each created actor does on its one message.
std::int64_t work_on(std::int64_t x) { return (x * 7 + 3) % 1000; }

// Answers its one message to `collector` and exits.
caf::behavior fork_worker(caf::event_based_actor* self, caf::actor collector) {
  return {[self, collector](work_atom, std::int64_t x) {
    self->send(collector, result_atom::value, work_on(x));
    self->quit();
  }};
}

struct Collector {
  std::int64_t answers = 0;
  std::int64_t sum = 0;
};

// Adds up the workers' `n` answers and tells main the sum.
caf::behavior collector_actor(caf::stateful_actor<Collector>* self, std::int64_t n, caf::actor main) {
  return {[=](result_atom, std::int64_t r) {
    self->state.sum += r;
    if (++self->state.answers == n) {
      self->send(main, done_atom::value, self->state.sum);
      self->quit();
    }
  }};
}

// The main thread creates the workers and sends each its message, as Savina's fork-join
// does from outside the actors.
Outcome fork_join_create(caf::actor_system& system, caf::scoped_actor& main, std::int64_t n) {
  std::int64_t expected = 0;
  for (std::int64_t i = 0; i < n; ++i) expected += work_on(i);
  const auto start = Clock::now();
  caf::actor collector = system.spawn(collector_actor, n, caf::actor_cast<caf::actor>(main));
  for (std::int64_t i = 0; i < n; ++i) caf::anon_send(system.spawn(fork_worker, collector), work_atom::value, i);
  const Done sum = await_done(main);
  return {start, sum.at, n, sum.value, expected};
}

// ---- big ------------------------------------------------------------------------------

struct BigNode {
  std::vector<caf::actor> peers;
  std::minstd_rand random;
  std::int64_t sent = 0;
  std::int64_t answered = 0;   // pings it got from others
};

// Pings a random other node, one ping at a time, `pings` times; answers every ping with
// a pong; tells `sink` when its own pings are done, and how many it answered when asked.
caf::behavior big_node(caf::stateful_actor<BigNode>* self, std::int64_t id, std::int64_t pings, caf::actor sink) {
  self->state.random.seed(static_cast<std::uint32_t>(1000 + id));   // fixed, one stream per node
  auto ping_someone = [self, id] {
    auto& s = self->state;
    auto other = static_cast<std::int64_t>(s.random() % (s.peers.size() - 1));
    if (other >= id) ++other;   // anyone but itself
    ++s.sent;
    self->send(s.peers[static_cast<std::size_t>(other)], ping_atom::value);
  };
  return {
      [=](peers_atom, std::vector<caf::actor> peers) {
        self->state.peers = std::move(peers);
        ping_someone();
      },
      [self](ping_atom) {
        ++self->state.answered;
        self->send(sender_of(self), pong_atom::value);
      },
      [=](pong_atom) {
        if (self->state.sent < pings)
          ping_someone();
        else
          self->send(sink, done_atom::value, id);
      },
      [self](report_atom) {
        self->send(sender_of(self), total_atom::value, self->state.answered);
        self->quit();
      },
  };
}

struct BigSink {
  std::vector<caf::actor> nodes;
  std::int64_t done = 0;
  std::int64_t reports = 0;
  std::int64_t answered = 0;
};

// Starts the nodes, waits until all have done their pings, then collects how many pings
// each answered (all of them are answered by then) and tells main the sum.
caf::behavior big_sink(caf::stateful_actor<BigSink>* self, std::int64_t nodes, std::int64_t pings, caf::actor main) {
  auto& s = self->state;
  for (std::int64_t i = 0; i < nodes; ++i)
    s.nodes.push_back(self->spawn(big_node, i, pings, caf::actor_cast<caf::actor>(self)));
  for (const caf::actor& node : s.nodes) self->send(node, peers_atom::value, s.nodes);
  return {
      [=](done_atom, std::int64_t) {
        if (++self->state.done == nodes)
          for (const caf::actor& node : self->state.nodes) self->send(node, report_atom::value);
      },
      [=](total_atom, std::int64_t answered) {
        self->state.answered += answered;
        if (++self->state.reports == nodes) {
          self->send(main, done_atom::value, self->state.answered);
          self->quit();
        }
      },
  };
}

Outcome big(caf::actor_system& system, caf::scoped_actor& main, std::int64_t nodes, std::int64_t pings) {
  const auto start = Clock::now();
  system.spawn(big_sink, nodes, pings, caf::actor_cast<caf::actor>(main));
  const Done answered = await_done(main);
  return {start, answered.at, nodes * pings, answered.value, nodes * pings};
}

// ---- main -----------------------------------------------------------------------------

int usage() {
  std::fprintf(stderr,
               "usage: actors_caf <case> <threads> [--quick]\n"
               "cases: ping_pong thread_ring counting fork_join_create big\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) return usage();
  const std::string name = argv[1];
  const int threads = std::atoi(argv[2]);
  const bool quick = argc == 4 && std::strcmp(argv[3], "--quick") == 0;
  if (threads < 1 || (argc == 4 && !quick)) return usage();
  const std::int64_t scale = quick ? 100 : 1;

  caf::actor_system_config config;
  config.set("scheduler.max-threads", threads);
  caf::actor_system system{config};
  caf::scoped_actor main_actor{system};

  Outcome outcome{};
  if (name == "ping_pong")
    outcome = ping_pong(system, main_actor, 1'000'000 / scale);
  else if (name == "thread_ring")
    outcome = thread_ring(system, main_actor, 503, 10'000'000 / scale);
  else if (name == "counting")
    outcome = counting(system, main_actor, 1'000'000 / scale);
  else if (name == "fork_join_create")
    outcome = fork_join_create(system, main_actor, 40'000 / scale);
  else if (name == "big")
    outcome = big(system, main_actor, 120, 20'000 / scale);
  else
    return usage();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(outcome.end - outcome.start).count();

  if (outcome.got != outcome.expected) {
    std::fprintf(stderr, "actors_caf %s: got %lld, expected %lld\n", name.c_str(),
                 static_cast<long long>(outcome.got), static_cast<long long>(outcome.expected));
    return 1;
  }
  std::printf("{\"case\":\"%s\",\"threads\":%d,\"ns\":%lld,\"per_op_ns\":%.1f,\"ops\":%lld}\n", name.c_str(),
              threads, static_cast<long long>(ns), static_cast<double>(ns) / static_cast<double>(outcome.ops),
              static_cast<long long>(outcome.ops));
  std::fflush(stdout);
  return 0;
}
