// actors_weft: the weft side of the actor cases (tools/bench/case_actors.cpp), a
// program of its own like the peers' (peers/actors_caf.cpp, peers/actors.erl), so that
// every side's peak RSS is that of a small program running the workload, not of
// weft-bench with all its cases and peers linked in.
//
//   actors_weft CASE WORKERS [--quick]
//
// runs one workload in the main fiber of a runtime with WORKERS workers, checks its
// result and prints the peers' JSON line:
//   {"case":..,"threads":..,"ns":..,"per_op_ns":..,"ops":..}
//
//   ping_pong         two actors, 1,000,000 round trips, one message in flight
//   thread_ring       503 actors in a ring pass one token 10,000,000 hops
//   counting          1,000,000 increments to one counter actor, then an ask for its total
//   fork_join_create  40,000 actors are created, each gets one message, answers, exits
//   big               120 actors each send 20,000 pings to random others (fixed seed),
//                     one at a time, each answered with a pong
//
// Sizes, timed spans and result checks are the peers' (actors_caf.cpp): the time from
// spawning the first actor to the main fiber hearing that the workload is done, per
// operation (round trip, hop, increment, created actor, ping); --quick runs 1/100.
// Where a peer's main thread waits for a "done" message, weft's main fiber waits on an
// ask that the actor finishing the workload answers.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <weft/weft.hpp>

namespace {

using namespace weft;
using Clock = std::chrono::steady_clock;

double elapsed_ns(Clock::time_point since) {
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
}


using namespace std::chrono_literals;

// A full run takes seconds: an ask unanswered this long means a lost message.
constexpr auto kAskLimit = 300s;

// A run of a workload in the main fiber of a runtime: the time it took, its operations,
// the value it computed and the one it should have.
struct Outcome {
  double ns = 0;
  std::int64_t ops = 0;
  std::int64_t got = 0;
  std::int64_t expected = 0;
};

// Messages that carry references to actors of their own kind carry addresses (a variant
// cannot name itself); the receiver makes them typed once.
template <class Msg>
ActorRef<Msg> typed(const ActorAddress& address) {
  return ActorRef<Msg>::from(address).value();
}

// The actors a workload leaves alive stop after the measurement: the runtime waits for
// every fiber.
template <class Refs>
void stop_all(const Refs& actors) {
  for (const auto& actor : actors) actor.stop();
}

// ---- ping_pong ------------------------------------------------------------------------

namespace ping_pong {

struct Pong {
  std::int64_t n;
};
struct Rally {  // the ask that starts the round trips; answered with the last one's number
  std::int64_t rounds;
};
using PingerMsg = std::variant<Pong, Ask<Rally, std::int64_t>>;
struct Ping {
  std::int64_t n;
  ActorRef<PingerMsg> from;
};

struct Ponger {
  using Message = Ping;
  void handle(Ping ping) { ping.from.tell(Pong{ping.n}); }
};

// Sends ping n, waits for pong n, until the rally's round trips are done.
class Pinger {
 public:
  using Message = PingerMsg;
  Pinger(ActorContext<Message>& self, ActorRef<Ping> ponger) : self_(self), ponger_(std::move(ponger)) {}
  void handle(Ask<Rally, std::int64_t> rally) {
    rally_.emplace(std::move(rally));
    ping(1);
  }
  void handle(Pong pong) {
    if (pong.n < rally_->request().rounds)
      ping(pong.n + 1);
    else
      rally_->reply(pong.n);
  }

 private:
  void ping(std::int64_t n) { ponger_.tell(Ping{n, self_.self()}); }

  ActorContext<Message>& self_;
  ActorRef<Ping> ponger_;
  std::optional<Ask<Rally, std::int64_t>> rally_;
};

Outcome run(std::int64_t scale) {
  const std::int64_t rounds = 1'000'000 / scale;
  const auto start = Clock::now();
  auto ponger = spawn_actor<Ponger>();
  auto pinger = spawn_actor<Pinger>(ponger);
  const std::int64_t trips = pinger.ask(Rally{rounds}, kAskLimit).get();
  const Outcome outcome{elapsed_ns(start), rounds, trips, rounds};
  ponger.stop();
  pinger.stop();
  return outcome;
}

}  // namespace ping_pong

// ---- thread_ring ----------------------------------------------------------------------

namespace thread_ring {

struct Next {
  ActorAddress node;
};
struct Token {  // the hops still to go
  std::int64_t left;
};
// The token is the ask itself: it travels the ring, and the node that gets it at 0
// answers it with its id.
using Tour = Ask<Token, std::int64_t>;

class Node {
 public:
  using Message = std::variant<Next, Tour>;
  explicit Node(std::int64_t id) : id_(id) {}
  void handle(Next next) { next_ = typed<Message>(next.node); }
  void handle(Tour tour) {
    if (tour->left == 0) {
      tour.reply(id_);
    } else {
      --tour->left;
      next_.tell(std::move(tour));
    }
  }

 private:
  std::int64_t id_;
  ActorRef<Message> next_;
};

Outcome run(std::int64_t scale) {
  const std::int64_t nodes = 503;
  const std::int64_t hops = 10'000'000 / scale;
  const auto start = Clock::now();
  std::vector<ActorRef<Node::Message>> ring;
  for (std::int64_t id = 0; id < nodes; ++id) ring.push_back(spawn_actor<Node>(id));
  // Every node has its neighbour in its mailbox before the token can reach it.
  for (std::size_t i = 0; i < ring.size(); ++i) ring[i].tell(Next{ring[(i + 1) % ring.size()]});
  const std::int64_t last = ring.front().ask(Token{hops}, kAskLimit).get();
  // After `hops` hops from node 0 the token is at node hops mod nodes.
  const Outcome outcome{elapsed_ns(start), hops, last, hops % nodes};
  stop_all(ring);
  return outcome;
}

}  // namespace thread_ring

// ---- counting -------------------------------------------------------------------------

namespace counting {

struct Inc {};
struct Total {};

struct Counter {
  using Message = std::variant<Inc, Ask<Total, std::int64_t>>;
  std::int64_t total = 0;
  void handle(Inc) { ++total; }
  void handle(Ask<Total, std::int64_t> ask) { ask.reply(total); }
};

// The main fiber is the producer (a peer's main thread is outside its scheduler, so a
// producer actor stands in there): every increment at once, then the query.
Outcome run(std::int64_t scale) {
  const std::int64_t n = 1'000'000 / scale;
  const auto start = Clock::now();
  auto counter = spawn_actor<Counter>();
  for (std::int64_t i = 0; i < n; ++i) counter.tell(Inc{});
  const std::int64_t total = counter.ask(Total{}, kAskLimit).get();
  const Outcome outcome{elapsed_ns(start), n, total, n};
  counter.stop();
  return outcome;
}

}  // namespace counting

// ---- fork_join_create -----------------------------------------------------------------

namespace fork_join_create {

// The trivial computation each created actor does on its one message.
std::int64_t work_on(std::int64_t x) { return (x * 7 + 3) % 1000; }

struct Result {
  std::int64_t value;
};
struct Join {};  // answered with the sum of every worker's result

// Adds up the workers' answers and answers the join when the last has come.
class Collector {
 public:
  using Message = std::variant<Result, Ask<Join, std::int64_t>>;
  explicit Collector(std::int64_t workers) : left_(workers) {}
  // Asked before any worker exists: the join is in the mailbox before every result.
  void handle(Ask<Join, std::int64_t> join) { join_.emplace(std::move(join)); }
  void handle(Result result) {
    sum_ += result.value;
    if (--left_ == 0) join_->reply(sum_);
  }

 private:
  std::int64_t left_;
  std::int64_t sum_ = 0;
  std::optional<Ask<Join, std::int64_t>> join_;
};

struct Work {
  std::int64_t x;
};

// Answers its one message to the collector and exits.
class Worker {
 public:
  using Message = Work;
  Worker(ActorContext<Message>& self, ActorRef<Collector::Message> collector)
      : self_(self), collector_(std::move(collector)) {}
  void handle(Work work) {
    collector_.tell(Result{work_on(work.x)});
    self_.stop();
  }

 private:
  ActorContext<Message>& self_;
  ActorRef<Collector::Message> collector_;
};

// The main fiber creates the workers and sends each its message, as Savina's fork-join
// does from outside the actors.
Outcome run(std::int64_t scale) {
  const std::int64_t n = 40'000 / scale;
  std::int64_t expected = 0;
  for (std::int64_t x = 0; x < n; ++x) expected += work_on(x);
  const auto start = Clock::now();
  auto collector = spawn_actor<Collector>(n);
  Future<std::int64_t> sum = collector.ask(Join{}, kAskLimit);
  for (std::int64_t x = 0; x < n; ++x) spawn_actor<Worker>(collector).tell(Work{x});
  const std::int64_t got = sum.get();
  const Outcome outcome{elapsed_ns(start), n, got, expected};
  collector.stop();
  return outcome;
}

}  // namespace fork_join_create

// ---- big ------------------------------------------------------------------------------

namespace big {

struct Peers {  // every node, in id order
  std::shared_ptr<const std::vector<ActorAddress>> nodes;
};
struct Go {};      // start pinging; answered when the node's own pings are done
struct Report {};  // answered with how many pings the node answered
struct Ping {
  std::size_t from;  // the sender's id
};
struct Pong {};

// Pings a random other node, one ping at a time, `pings` times; answers every ping with
// a pong.
class Node {
 public:
  using Message = std::variant<Peers, Ask<Go, std::int64_t>, Ping, Pong, Ask<Report, std::int64_t>>;
  Node(std::size_t id, std::int64_t pings)
      : id_(id), pings_(pings), random_(static_cast<std::uint32_t>(1000 + id)) {}  // fixed, one stream per node

  void handle(Peers peers) {
    for (const ActorAddress& node : *peers.nodes) peers_.push_back(typed<Message>(node));
  }
  void handle(Ask<Go, std::int64_t> go) {
    go_.emplace(std::move(go));
    ping_someone();
  }
  void handle(Ping ping) {
    ++answered_;
    peers_[ping.from].tell(Pong{});
  }
  void handle(Pong) {
    if (sent_ < pings_)
      ping_someone();
    else
      go_->reply(sent_);
  }
  void handle(Ask<Report, std::int64_t> report) { report.reply(answered_); }

 private:
  void ping_someone() {
    std::size_t other = random_() % (peers_.size() - 1);
    if (other >= id_) ++other;  // anyone but itself
    ++sent_;
    peers_[other].tell(Ping{id_});
  }

  std::size_t id_;
  std::int64_t pings_;
  std::minstd_rand random_;
  std::vector<ActorRef<Message>> peers_;
  std::int64_t sent_ = 0;
  std::int64_t answered_ = 0;
  std::optional<Ask<Go, std::int64_t>> go_;
};

// The main fiber is the peers' sink actor: it starts the nodes, waits until all have
// done their pings, then collects how many pings each answered (all are answered by
// then).
Outcome run(std::int64_t scale) {
  const std::size_t nodes = 120;
  const std::int64_t pings = 20'000 / scale;
  const std::int64_t total = static_cast<std::int64_t>(nodes) * pings;
  const auto start = Clock::now();
  std::vector<ActorRef<Node::Message>> all;
  auto table = std::make_shared<std::vector<ActorAddress>>();
  for (std::size_t id = 0; id < nodes; ++id) {
    all.push_back(spawn_actor<Node>(id, pings));
    table->push_back(all.back());
  }
  // Every node has the table in its mailbox before any node can ping it.
  for (const auto& node : all) node.tell(Peers{table});
  std::vector<Future<std::int64_t>> done;
  for (const auto& node : all) done.push_back(node.ask(Go{}, kAskLimit));
  for (auto& d : done) d.get();
  std::int64_t answered = 0;
  for (const auto& node : all) answered += node.ask(Report{}, kAskLimit).get();
  const Outcome outcome{elapsed_ns(start), total, answered, total};
  stop_all(all);
  return outcome;
}

}  // namespace big

struct Workload {
  const char* name;
  Outcome (*run)(std::int64_t scale);  // in the main fiber of a runtime
};

constexpr Workload kWorkloads[] = {
    {"ping_pong", ping_pong::run},         {"thread_ring", thread_ring::run}, {"counting", counting::run},
    {"fork_join_create", fork_join_create::run}, {"big", big::run},
};

int usage() {
  std::fprintf(stderr,
               "usage: actors_weft ping_pong|thread_ring|counting|fork_join_create|big WORKERS [--quick]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) return usage();
  const std::string name = argv[1];
  const int workers = std::atoi(argv[2]);
  const bool quick = argc == 4 && std::strcmp(argv[3], "--quick") == 0;
  if (workers < 1 || (argc == 4 && !quick)) return usage();
  const std::int64_t scale = quick ? 100 : 1;
  const Workload* workload = nullptr;
  for (const Workload& w : kWorkloads)
    if (name == w.name) workload = &w;
  if (workload == nullptr) return usage();

  RuntimeOptions options;
  options.workers = static_cast<std::size_t>(workers);
  const Outcome outcome = run([workload, scale] { return workload->run(scale); }, options);
  if (outcome.got != outcome.expected) {
    std::fprintf(stderr, "actors_weft %s: got %lld, expected %lld\n", name.c_str(),
                 static_cast<long long>(outcome.got), static_cast<long long>(outcome.expected));
    return 1;
  }
  std::printf("{\"case\":\"%s\",\"threads\":%d,\"ns\":%.0f,\"per_op_ns\":%.2f,\"ops\":%lld}\n", name.c_str(),
              workers, outcome.ns, outcome.ns / static_cast<double>(outcome.ops), static_cast<long long>(outcome.ops));
  std::fflush(stdout);
  return 0;
}
