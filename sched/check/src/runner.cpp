// Run after run on one controller and one kernel scheduler (see runner.hpp).
#include "runner.hpp"

#include <exception>
#include <memory>
#include <string>

#include "weft/sched/errors.hpp"
#include "weft/sched/kernel.hpp"

namespace weft::check::detail {

namespace {

// The scenario's main fiber.
class ScenarioFiber final : public sched::Fiber {
 public:
  ScenarioFiber(const std::function<void()>& body, Controller& controller)
      : Fiber("main"), body_(body), controller_(controller) {}

 private:
  void run() noexcept override {
    try {
      body_();
    } catch (const sched::detail::Unwind&) {
    } catch (const std::exception& e) {
      controller_.fail(FailureKind::Exception,
                       std::string("the scenario threw an exception: ") + e.what());
    } catch (...) {
      controller_.fail(FailureKind::Exception, "the scenario threw a non-standard exception");
    }
  }
  const std::function<void()>& body_;
  Controller& controller_;
};

sched::SchedulerOptions controlled(Controller& controller, sched::Clock& clock, CheckedReactor*& reactor) {
  sched::SchedulerOptions options;
  options.reactor = [&reactor] {
    auto made = std::make_unique<CheckedReactor>();
    reactor = made.get();
    return made;
  };
  options.policy = [&controller](const sched::PolicyContext&) {
    return std::make_unique<ControlledPolicy>(controller);
  };
  options.clock = &clock;
  options.detect_deadlock = true;
  return options;
}

}  // namespace

Runner::Runner(const Options& options)
    : controller_(options), scheduler_(controlled(controller_, clock_, reactor_)) {
  controller_.attach_reactor(reactor_);
}

const RunResult& Runner::run(Strategy& strategy, const std::function<void()>& scenario, bool explain) {
  controller_.begin_run(strategy, explain);
  clock_ = sched::VirtualClock{};  // every run starts at time zero
  sched::detail::set_instrumentation(&controller_);
  try {
    scheduler_.run(*new ScenarioFiber(scenario, controller_));
  } catch (const sched::DeadlockError& e) {
    controller_.fail(FailureKind::Deadlock, e.what());
  } catch (const std::exception& e) {
    controller_.fail(FailureKind::Exception, e.what());
  }
  sched::detail::set_instrumentation(nullptr);
  return controller_.finish_run();
}

}  // namespace weft::check::detail
