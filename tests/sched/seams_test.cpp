// The kernel's two seams: the Reactor an idle worker waits in (and that delivers fd
// readiness to claimed waits), and the per-worker scheduling policy made by a factory.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

using namespace std::chrono_literals;
using weft::sched::WakeReason;
using weft::sched::Interest;
using weft::sched::IoRegistration;
using weft::sched::Reactor;
using weft::sched::WaitTicket;

namespace {

// A registration of the scripted reactor below: the fd and the wait armed on it.
struct ScriptedRegistration : IoRegistration {
  WaitTicket armed{};
  bool has_armed = false;
};

// A reactor that blocks nobody, like the checker's controlled reactor: it delivers the
// readiness of every armed fd on its `deliver_on`-th wait() and counts its calls.
class ScriptedReactor final : public Reactor {
 public:
  struct Counts {
    std::atomic<int> prepares{0}, waits{0}, wakes{0}, delivered{0};
  };
  ScriptedReactor(Counts& counts, int deliver_on) : counts_(counts), deliver_on_(deliver_on) {}

  void prepare_wait() noexcept override { ++counts_.prepares; }
  void cancel_wait() noexcept override {}
  std::size_t wait(std::optional<weft::Duration>) noexcept override {
    if (++counts_.waits < deliver_on_) return 0;
    std::size_t ended = 0;
    for (auto& r : registrations_) {
      if (!r->has_armed) continue;
      r->has_armed = false;
      if (weft::sched::try_wake(r->armed, WakeReason::Notified)) ++ended;
    }
    counts_.delivered += static_cast<int>(ended);
    return ended;
  }
  void wake() noexcept override { ++counts_.wakes; }
  bool supports_fds() const noexcept override { return true; }
  IoRegistration* register_fd(int fd) override {
    registrations_.push_back(std::make_unique<ScriptedRegistration>());
    registrations_.back()->fd = fd;
    return registrations_.back().get();
  }
  void arm(IoRegistration& registration, Interest, WaitTicket ticket, std::uintptr_t) override {
    auto& r = static_cast<ScriptedRegistration&>(registration);
    r.armed = ticket;
    r.has_armed = true;
  }
  void deregister(IoRegistration& registration) noexcept override {
    auto& r = static_cast<ScriptedRegistration&>(registration);
    if (r.has_armed) weft::sched::try_wake(r.armed, WakeReason::Cancelled);
    r.has_armed = false;
  }
  bool has_armed() const noexcept override {
    for (const auto& r : registrations_)
      if (r->has_armed) return true;
    return false;
  }
  const char* name() const noexcept override { return "scripted"; }

 private:
  Counts& counts_;
  int deliver_on_;
  std::vector<std::unique_ptr<ScriptedRegistration>> registrations_;
};

// The default reactor, counting how often it is woken from other threads.
class CountingReactor final : public Reactor {
 public:
  explicit CountingReactor(std::atomic<int>& wakes)
      : inner_(weft::sched::make_default_reactor()), wakes_(wakes) {}
  void prepare_wait() noexcept override { inner_->prepare_wait(); }
  void cancel_wait() noexcept override { inner_->cancel_wait(); }
  std::size_t wait(std::optional<weft::Duration> timeout) noexcept override { return inner_->wait(timeout); }
  void wake() noexcept override {
    ++wakes_;
    inner_->wake();
  }
  const char* name() const noexcept override { return "counting"; }

 private:
  std::unique_ptr<Reactor> inner_;
  std::atomic<int>& wakes_;
};

// Opens a wait of the calling fiber, arms it on `registration` and awaits it.
WakeReason wait_ready(IoRegistration& registration, std::optional<weft::TimePoint> deadline = {}) {
  Reactor& reactor = weft::sched::Scheduler::current()->reactor();
  // WaitKind::Other, not Io: only the reactor's has_armed() may keep the deadlock
  // verdict away.
  WaitTicket ticket = weft::sched::begin_wait(weft::sched::WaitKind::Other, &registration, "fd ready");
  reactor.arm(registration, Interest::Readable, ticket, 0);
  return weft::sched::await(ticket, deadline).reason;
}

}  // namespace

TEST_CASE("the reactor delivers readiness to a claimed wait through the idle step", "[seam][reactor]") {
  ScriptedReactor::Counts counts;
  weft::RuntimeOptions options;
  options.reactor = [&counts] { return std::make_unique<ScriptedReactor>(counts, 3); };
  // Deadlock detection stays on: an armed interest is a way to progress.
  WakeReason reason = weft::run(
      [] {
        Reactor& reactor = weft::sched::Scheduler::current()->reactor();
        IoRegistration* r = reactor.register_fd(7);
        return wait_ready(*r);
      },
      std::move(options));
  CHECK(reason == WakeReason::Notified);
  CHECK(counts.waits == 3);          // the worker idled in the reactor until delivery
  CHECK(counts.prepares >= 3);
  CHECK(counts.delivered == 1);
}

TEST_CASE("a timeout and readiness race through one claim", "[seam][reactor]") {
  ScriptedReactor::Counts counts;
  weft::RuntimeOptions options;
  weft::VirtualClock clock;  // the timer fires as soon as the worker idles
  options.clock = &clock;
  options.reactor = [&counts] { return std::make_unique<ScriptedReactor>(counts, 1000); };
  weft::run(
      [&] {
        Reactor& reactor = weft::sched::Scheduler::current()->reactor();
        IoRegistration* r = reactor.register_fd(3);
        CHECK(wait_ready(*r, weft::now() + 5ms) == WakeReason::Timeout);
        // The stale arm must not end a later wait: deregistering claims nothing now.
        reactor.deregister(*r);
        CHECK(counts.delivered == 0);
      },
      std::move(options));
}

TEST_CASE("deregistering an fd ends its armed wait with Cancelled", "[seam][reactor]") {
  ScriptedReactor::Counts counts;
  weft::RuntimeOptions options;
  options.reactor = [&counts] { return std::make_unique<ScriptedReactor>(counts, 1000); };
  weft::run(
      [] {
        Reactor& reactor = weft::sched::Scheduler::current()->reactor();
        IoRegistration* r = reactor.register_fd(4);
        auto closer = weft::spawn([&] { reactor.deregister(*r); });
        CHECK(wait_ready(*r) == WakeReason::Cancelled);
        closer.join();
      },
      std::move(options));
}

TEST_CASE("without armed interest, a stuck runtime is still a deadlock", "[seam][reactor]") {
  ScriptedReactor::Counts counts;
  weft::RuntimeOptions options;
  options.reactor = [&counts] { return std::make_unique<ScriptedReactor>(counts, 1000); };
  weft::Runtime runtime(std::move(options));
  CHECK_THROWS_AS(runtime.run([] {
    weft::Event never;
    never.wait();
  }),
                  weft::DeadlockError);
}

TEST_CASE("a wake-up from another thread goes through the reactor", "[seam][reactor][threads]") {
  std::atomic<int> wakes{0};
  weft::RuntimeOptions options;
  options.reactor = [&wakes] { return std::make_unique<CountingReactor>(wakes); };
  weft::run(
      [] {
        weft::Event done;
        std::jthread setter([&] {
          std::this_thread::sleep_for(20ms);  // the worker is asleep in the reactor by then
          done.set();
        });
        CHECK(done.wait_for(10s));
      },
      std::move(options));
  CHECK(wakes >= 1);
}

TEST_CASE("notify_idle_worker wakes a worker asleep in the reactor", "[seam][reactor][threads]") {
  std::atomic<int> wakes{0};
  weft::RuntimeOptions options;
  options.reactor = [&wakes] { return std::make_unique<CountingReactor>(wakes); };
  weft::Runtime runtime(std::move(options));
  weft::sched::Scheduler& scheduler = runtime.scheduler();
  runtime.run([&] {
    std::jthread notifier([&] { scheduler.notify_idle_worker(); });
    weft::this_fiber::sleep_for(50ms);
  });
  CHECK(wakes >= 1);
}

TEST_CASE("a reactor that only sleeps refuses file descriptors and names itself", "[seam][reactor]") {
  std::atomic<int> wakes{0};
  CountingReactor reactor(wakes);
  CHECK_FALSE(reactor.supports_fds());
  CHECK_FALSE(reactor.has_armed());
  CHECK_THROWS_WITH(reactor.register_fd(0),
                    Catch::Contains("'counting'") && Catch::Contains("file descriptors"));
}

TEST_CASE("a reactor factory that makes nothing is refused", "[seam][reactor]") {
  weft::RuntimeOptions options;
  options.reactor = [] { return std::unique_ptr<Reactor>(); };
  CHECK_THROWS_AS(weft::Runtime(std::move(options)), weft::UsageError);
}

namespace {

// A FIFO that counts what it is asked and remembers its place.
class CountingPolicy final : public weft::sched::SchedulingPolicy {
 public:
  explicit CountingPolicy(std::atomic<int>& awakened) : awakened_(awakened) {}
  void awakened(weft::sched::Fiber& fiber, weft::sched::ReadyHint hint) noexcept override {
    ++awakened_;
    fifo_.awakened(fiber, hint);
  }
  weft::sched::Fiber* pick_next() noexcept override { return fifo_.pick_next(); }
  bool take(weft::sched::Fiber& fiber) noexcept override { return fifo_.take(fiber); }
  bool has_ready() const noexcept override { return fifo_.has_ready(); }
  std::size_t ready_count() const noexcept override { return fifo_.ready_count(); }

 private:
  weft::sched::FifoPolicy fifo_;
  std::atomic<int>& awakened_;
};

}  // namespace

TEST_CASE("the policy factory makes one policy per worker", "[seam][policy]") {
  std::vector<std::pair<std::size_t, std::size_t>> made;
  std::atomic<int> awakened{0};
  weft::RuntimeOptions options;
  options.workers = 2;
  options.policy = [&](const weft::sched::PolicyContext& context) {
    made.emplace_back(context.worker, context.workers);
    return std::make_unique<CountingPolicy>(awakened);
  };
  weft::Runtime runtime(std::move(options));
  REQUIRE(made.size() == runtime.scheduler().worker_count());
  CHECK(made == std::vector<std::pair<std::size_t, std::size_t>>{{0, 2}, {1, 2}});
  int sum = runtime.run([] {
    auto a = weft::spawn([] { return 1; });
    auto b = weft::spawn([] { return 2; });
    return a.join() + b.join();
  });
  CHECK(sum == 3);
  CHECK(awakened >= 3);  // the first fiber and the two children became ready through it
  runtime.run([] {});    // a runtime run again keeps its policies
  CHECK(made.size() == 2);
}

TEST_CASE("policies keep their fibers home unless they allow stealing", "[seam][policy]") {
  weft::sched::FifoPolicy fifo;
  std::atomic<int> awakened{0};
  CountingPolicy counting(awakened);
  weft::sched::Fiber* out[4] = {};
  CHECK(fifo.steal(out, 4) == 0);
  CHECK(counting.steal(out, 4) == 0);
  CHECK(out[0] == nullptr);
}
