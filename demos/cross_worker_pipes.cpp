// Pairs of fibers on different kernel threads talk over channels: the in-process PAIR
// socket between threads, with fibers instead of threads and channels instead of
// sockets.
//
// The runtime has two workers (or --workers N). Each pair is a "main" fiber pinned to
// one worker and a "worker" fiber pinned to the next: main sends --messages jobs down
// its pipe, the worker answers each with a result on the way back, and finally main
// sends "exit". Every fiber prints which worker it runs on; each pair checks every
// answer; both sides close their end and the runtime shuts down when the last fiber is
// done (its threads joined). Exits non-zero if an answer is wrong.
//
//   cross_worker_pipes [--pairs N] [--messages N] [--workers N]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "weft/weft.hpp"

namespace {

struct Flags {
  int pairs = 2;
  int messages = 1000;
  std::size_t workers = 2;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "cross_worker_pipes: %s\nusage: cross_worker_pipes [--pairs N] [--messages N] [--workers N]\n",
               problem.c_str());
  std::exit(2);
}

long count(const char* flag, const char* text, long max) {
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  if (*end != '\0' || n <= 0 || n > max) usage(std::string(flag) + " wants a count from 1 to " + std::to_string(max));
  return n;
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
    const char* value = argv[++i];
    if (arg == "--pairs") f.pairs = static_cast<int>(count("--pairs", value, 1000));
    else if (arg == "--messages") f.messages = static_cast<int>(count("--messages", value, 10'000'000));
    else if (arg == "--workers") f.workers = static_cast<std::size_t>(count("--workers", value, 64));
    else usage("unknown flag " + std::string(arg));
  }
  return f;
}

// What goes down a pipe: a job, or the request to stop.
struct Job {
  long x;
};
struct Exit {};
using Message = std::variant<Job, Exit>;

// One end of a PAIR: a channel each way.
struct Pipe {
  weft::Channel<Message> down{16};
  weft::Channel<long> up{16};
};

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse(argc, argv);
  weft::RuntimeOptions options;
  options.workers = flags.workers;
  std::atomic<int> wrong{0};
  weft::run(
      [&] {
        std::vector<Pipe> pipes(static_cast<std::size_t>(flags.pairs));
        std::vector<weft::JoinHandle<void>> fibers;
        for (int p = 0; p < flags.pairs; ++p) {
          Pipe& pipe = pipes[static_cast<std::size_t>(p)];
          const std::size_t main_worker = static_cast<std::size_t>(p) % flags.workers;
          const std::size_t worker_worker = (main_worker + 1) % flags.workers;
          fibers.push_back(weft::spawn_on(worker_worker, [&pipe, p, worker_worker] {
            std::printf("[pair %d worker] on worker %zu: waiting for jobs\n", p, worker_worker);
            long handled = 0;
            for (;;) {
              Message m = pipe.down.recv().value();
              if (std::holds_alternative<Exit>(m)) break;
              pipe.up.send(std::get<Job>(m).x * 3 + 1);
              ++handled;
            }
            pipe.up.close();
            std::printf("[pair %d worker] got exit after %ld jobs\n", p, handled);
          }));
          fibers.push_back(weft::spawn_on(main_worker, [&pipe, &wrong, &flags, p, main_worker] {
            std::printf("[pair %d main] on worker %zu: sending %d jobs\n", p, main_worker, flags.messages);
            // Send a window ahead, then one per answer: both sides stay busy.
            long sent = 0, answered = 0;
            const long window = 8;
            while (answered < flags.messages) {
              while (sent < flags.messages && sent - answered < window) pipe.down.send(Job{sent++});
              const long got = pipe.up.recv().value();
              if (got != answered * 3 + 1) ++wrong;
              ++answered;
            }
            pipe.down.send(Exit{});
            if (pipe.up.recv()) ++wrong;  // the worker closed its end: nothing more comes
            pipe.down.close();
            std::printf("[pair %d main] %ld answers checked, pipe closed\n", p, answered);
          }));
        }
        for (auto& f : fibers) f.join();
        const weft::RuntimeStats stats = weft::stats();
        std::printf("done: %d pairs over %zu workers;", flags.pairs, stats.workers.size());
        for (const auto& w : stats.workers) std::printf(" worker %zu switched %llu times", w.worker,
                                                        static_cast<unsigned long long>(w.switches));
        std::printf("\n");
      },
      std::move(options));
  if (wrong != 0) {
    std::fprintf(stderr, "cross_worker_pipes: %d wrong answers\n", wrong.load());
    return 1;
  }
  std::printf("every answer right; the runtime stopped and joined its threads\n");
  return 0;
}
