// Fiber stacks: a stack overflow is reported with the fiber's name and id (checked in a
// child process, which dies of it), small stacks are enough for libc and iostreams, more
// fibers can block at once than one kernel mapping per stack would allow, and a run's
// stacks go back to the kernel when it ends.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <weft/weft.hpp>
#include <weft/sched/detail/stack.hpp>

#include "support/child_process.hpp"

using weft_test::ChildResult;
using weft_test::run_in_child;

namespace {

volatile int g_depth_limit = 1 << 30;  // never reached; keeps the recursion honest

[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth >= g_depth_limit) return frame[0];
  return recurse(depth + 1) + frame[0];
}

// True if `number` occurs in `text` with no digit right before or after it.
bool contains_number(const std::string& text, const std::string& number) {
  for (auto pos = text.find(number); pos != std::string::npos; pos = text.find(number, pos + 1)) {
    const bool digit_before = pos > 0 && std::isdigit(static_cast<unsigned char>(text[pos - 1]));
    const auto end = pos + number.size();
    const bool digit_after = end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]));
    if (!digit_before && !digit_after) return true;
  }
  return false;
}

// A number from a /proc file (the first field of its only line), or 0.
std::size_t read_proc_number(const char* path) {
  std::ifstream in(path);
  std::size_t n = 0;
  in >> n;
  return n;
}

// The process's virtual size in KiB (VmSize in /proc/self/status).
std::size_t virtual_kib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmSize:", 0) == 0) return std::stoul(line.substr(7));
  return 0;
}

// Whether this kernel has MADV_GUARD_INSTALL (Linux 6.13), which weft's stack chunks use.
bool kernel_installs_guards() {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* probe = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return false;
  const bool installed = ::madvise(probe, page, 102) == 0;
  ::munmap(probe, 2 * page);
  return installed;
}

// Spawns `count` fibers that all block on one channel, calls `while_blocked` once they
// have all run, then lets them finish. Returns how many ran. Fiber i asks for a stack of
// stack_size(i) bytes (0: the default).
template <class F>
std::size_t block_many(std::size_t count, F while_blocked,
                       std::size_t (*stack_size)(std::size_t) = [](std::size_t) { return std::size_t{0}; }) {
  return weft::run([count, &while_blocked, stack_size] {
    weft::Channel<int> gate;
    std::size_t started = 0;
    std::vector<weft::JoinHandle<void>> fibers;
    fibers.reserve(count);
    for (std::size_t i = 0; i < count; ++i)
      fibers.push_back(weft::spawn(
          [&] {
            ++started;
            (void)gate.recv();
          },
          {.stack_size = stack_size(i)}));
    while (started < count) weft::this_fiber::yield();
    while_blocked();
    gate.close();
    for (auto& f : fibers) f.join();
    return started;
  }, [] {
    weft::RuntimeOptions options;
    options.workers = 1;  // `started` is plain data
    return options;
  }());
}

// A fiber overflows its stack in a child process; checks that the child died of it with
// a report naming the fiber.
void check_overflow_reported(bool split_guards) {
  ChildResult child = run_in_child([split_guards] {
    if (split_guards) weft::sched::detail::StackPool::use_split_guards_for_testing(true);
    weft::run([] {
      auto h = weft::spawn([] { return recurse(0); },
                           {.name = "deep-recursion", .stack_size = 64 * 1024});
      std::printf("%llu\n", static_cast<unsigned long long>(h.id()));
      std::fflush(stdout);
      (void)h.join();
    });
  });
  INFO("child stderr: " << child.err);
  INFO("child stdout: " << child.out);
  CHECK_FALSE(child.exited_ok());
  if (child.died_of_signal())
    CHECK((WTERMSIG(child.status) == SIGSEGV || WTERMSIG(child.status) == SIGBUS));
  CHECK_THAT(child.err, Catch::Matchers::Contains("stack overflow"));
  CHECK_THAT(child.err, Catch::Matchers::Contains("deep-recursion"));
  const std::string id = child.out.substr(0, child.out.find('\n'));  // printed by the child
  REQUIRE_FALSE(id.empty());
  CHECK(contains_number(child.err, id));
}

}  // namespace

TEST_CASE("a stack overflow kills the process with a report naming the fiber",
          "[stack][overflow]") {
  check_overflow_reported(/*split_guards=*/false);
}

TEST_CASE("a stack overflow is reported with guard pages made by mprotect (kernels before 6.13)",
          "[stack][overflow]") {
  check_overflow_reported(/*split_guards=*/true);
}

TEST_CASE("an overflow of the runtime's first fiber names RuntimeOptions::stack_size",
          "[stack][overflow]") {
  ChildResult child = run_in_child([] {
    weft::RuntimeOptions options;
    options.stack_size = 64 * 1024;
    weft::Runtime runtime(std::move(options));
    (void)runtime.run([] { return recurse(0); }, "first");
  });
  INFO("child stderr: " << child.err);
  CHECK_FALSE(child.exited_ok());
  CHECK_THAT(child.err, Catch::Matchers::Contains("stack overflow in fiber #"));
  CHECK_THAT(child.err, Catch::Matchers::Contains("'first'"));
  CHECK_THAT(child.err, Catch::Matchers::Contains("RuntimeOptions::stack_size"));
  CHECK_THAT(child.err, !Catch::Matchers::Contains("spawn it"));
}

TEST_CASE("a segfault that is not an overflow is not reported as one", "[stack][overflow]") {
  ChildResult child = run_in_child([] {
    weft::run([] {
      weft::spawn([] {
        volatile int* null_pointer = nullptr;
        *null_pointer = 1;
      }, {.name = "null-writer"}).join();
    });
  });
  INFO("child stderr: " << child.err);
  // Dies of the signal; under UBSan (halt_on_error) the null store is caught first and
  // the child exits with an error status instead.
  CHECK((WIFSIGNALED(child.status) || (WIFEXITED(child.status) && WEXITSTATUS(child.status) != 0)));
  CHECK_THAT(child.err, !Catch::Matchers::Contains("stack overflow"));
}

TEST_CASE("a fiber with a 16 KiB stack can use stdio, strings and iostreams",
          "[stack][small]") {
  std::string formatted = weft::run([] {
    auto h = weft::spawn(
        [] {
          char buf[128];
          std::snprintf(buf, sizeof buf, "%s %d %.3f %lld %p", "snprintf", 42, 3.14159, -7LL,
                        static_cast<void*>(buf));
          std::printf("[16 KiB fiber] printf: %s %5.2f\n", "ok", 2.5);
          std::ostringstream stream;
          stream << "ostringstream " << 1.5 << ' ' << 123456789012345LL << ' ' << std::hex << 255;
          std::cout << "[16 KiB fiber] cout: " << stream.str() << std::endl;
          std::cerr << "[16 KiB fiber] cerr works too" << std::endl;
          std::string joined = std::string(buf).substr(0, 12) + "|" + std::to_string(2.75) + "|" +
                               stream.str();
          return joined;
        },
        {.name = "small-stack", .stack_size = 16 * 1024});
    return h.join();
  });
  CHECK_THAT(formatted, Catch::Matchers::StartsWith("snprintf 42 |2.750000|ostringstream 1.5 "));
  CHECK_THAT(formatted, Catch::Matchers::EndsWith("ff"));
}

TEST_CASE("a stack size below the minimum is rounded up and still works", "[stack][small]") {
  int value = weft::run([] {
    return weft::spawn(
               [] {
                 char buf[64];
                 std::snprintf(buf, sizeof buf, "%d", 1234);
                 return std::stoi(buf);
               },
               {.name = "tiny-stack", .stack_size = 1024})
        .join();
  });
  CHECK(value == 1234);
}

TEST_CASE("a runtime default stack size applies to fibers that ask for none", "[stack]") {
  // About 112 KiB of frames: too deep for the 64 KiB default, fine in 256 KiB. Run in a
  // child so that an ignored option fails this test instead of killing the others.
  ChildResult child = run_in_child([] {
    weft::RuntimeOptions options;
    options.stack_size = 256 * 1024;
    options.workers = 1;  // under TSan a child of a multi-threaded process cannot start threads
    weft::run(
        [] {
          weft::spawn([] {
            g_depth_limit = 200;
            (void)recurse(0);
          }).join();
        },
        std::move(options));
    std::printf("done\n");
  });
  INFO("child stderr: " << child.err);
  CHECK(WIFEXITED(child.status));
  CHECK(child.out == "done\n");
}

// With a mapping or two per stack (an mprotect'ed guard splits one in two) a process runs
// out of mappings (vm.max_map_count) at half that many fibers blocked at once: ~32,700
// by default, where weft aborted. Stacks cut from chunks, with guards installed by
// MADV_GUARD_INSTALL, need one mapping per 16 stacks; where guards are mprotect'ed
// (kernels before 6.13), chunks past a budget of half the mappings get no guard pages.
TEST_CASE("more fibers can block at once than one kernel mapping per stack would allow",
          "[stack][many]") {
#if defined(WEFT_TSAN) || defined(WEFT_ASAN)
  // The limit is the kernel's, the same in every build; the sanitizers' own memory for
  // 35,000 fibers is not (~1.2 GB under ASan, several GB under TSan). The next test runs
  // the chunks' life cycle under them.
  SUCCEED("not under the sanitizers: their memory for every fiber would need gigabytes");
#else
  const std::size_t map_limit = read_proc_number("/proc/sys/vm/max_map_count");
  REQUIRE(map_limit > 0);
  const std::size_t count = map_limit / 2 + 2'000;
  if (count > 100'000) {
    WARN("vm.max_map_count is " << map_limit << ": the limit is out of this test's reach");
    return;
  }
  const bool split_guards = GENERATE(false, true);
  if (!split_guards && !kernel_installs_guards()) {
    SUCCEED("this kernel has no MADV_GUARD_INSTALL (Linux 6.13): the split guards' case covers it");
    return;
  }
  // Stacks of two sizes in turn: each size is cut from chunks of its own (with one chunk
  // at a time, the other size got a mapping each, outside the guard budget).
  const bool two_sizes = GENERATE(false, true);
  INFO((split_guards ? "guards by mprotect" : "guards by MADV_GUARD_INSTALL")
       << (two_sizes ? ", stacks of two sizes in turn" : ""));
  // In a child process: the split guards stay on in it, and its stderr is read.
  ChildResult child = run_in_child([count, split_guards, two_sizes] {
    if (split_guards) weft::sched::detail::StackPool::use_split_guards_for_testing(true);
    std::size_t seen_maps = 0;
    const std::size_t ran = block_many(
        count,
        [&] {
          std::ifstream maps("/proc/self/maps");
          for (std::string line; std::getline(maps, line);) ++seen_maps;
        },
        two_sizes ? [](std::size_t i) -> std::size_t { return i % 2 ? 32 * 1024 : 48 * 1024; }
                  : [](std::size_t) -> std::size_t { return 0; });
    std::printf("%zu %zu\n", ran, seen_maps);
  });
  INFO("child stderr: " << child.err);
  INFO("child stdout: " << child.out);
  REQUIRE(child.exited_ok());
  std::size_t ran = 0, seen_maps = 0;
  std::istringstream(child.out) >> ran >> seen_maps;
  CHECK(ran == count);
  INFO("mappings while " << count << " fibers were blocked: " << seen_maps);
  if (split_guards) {
    const std::size_t guarded = weft::sched::detail::StackPool::split_guard_stack_limit();
    CHECK(seen_maps < map_limit * 3 / 4);  // the guarded chunks' half, and some
    CHECK(seen_maps > guarded);            // guard pages below the first stacks, as many as allowed
    // Said once, with the number of stacks that have guard pages.
    const std::string warning = "weft: " + std::to_string(guarded) + " fiber stacks have guard pages";
    CHECK_THAT(child.err, Catch::Matchers::Contains(warning));
    CHECK(child.err.find("weft:", child.err.find(warning) + 1) == std::string::npos);
  } else {
    CHECK(seen_maps < count / 4);
    CHECK(child.err.empty());
  }
#endif
}

// A chunk goes back to the kernel with its last stack, and the pools give theirs back when
// the runtime ends (a few are kept for the thread's next runtime).
TEST_CASE("a run's stacks go back to the kernel when it ends", "[stack][many]") {
  constexpr std::size_t kFibers = 6'000;
  const std::size_t before = virtual_kib();
  std::size_t during = 0;
  CHECK(block_many(kFibers, [&] { during = virtual_kib(); }) == kFibers);
  const std::size_t after = virtual_kib();
  INFO("virtual size before " << before << " KiB, with " << kFibers << " fibers blocked " << during
                              << " KiB, after " << after << " KiB");
  REQUIRE(during > before);
  CHECK(after < before + (during - before) / 4);
}
