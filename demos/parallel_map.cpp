// Which clients fetched /robots.txt? A fiber per gzip'ed web-server log finds out, and
// the same code runs on one worker and then on all of them.
//
// The demo first writes --files logs of --lines lines each (Apache common log format,
// made up from a fixed seed) into a fresh directory, remembering which clients asked
// for /robots.txt. Then, for each worker count, one fiber per file decompresses its log
// through weft::blocking (zlib's gzread is a blocking call: it must not hold a worker)
// and scans the lines on its worker. With one worker the scans take turns; with all
// workers they run in parallel. The demo prints both times and the speedup, checks
// that both runs found exactly the clients it planted, and removes the directory.
//
//   parallel_map [--files N] [--lines N] [--dir PATH] [--keep]
//
// Without --keep it removes the logs it wrote, and the directory if it made it.
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "weft/weft.hpp"

namespace {

struct Flags {
  int files = 8;
  int lines = 40000;
  std::filesystem::path dir;
  bool keep = false;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr, "parallel_map: %s\nusage: parallel_map [--files N] [--lines N] [--dir PATH] [--keep]\n",
               problem.c_str());
  std::exit(2);
}

int positive(const char* flag, const char* text) {
  char* end = nullptr;
  const long n = std::strtol(text, &end, 10);
  if (*end != '\0' || n <= 0 || n > 10'000'000) usage(std::string(flag) + " wants a count from 1 to 10000000");
  return static_cast<int>(n);
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--files") f.files = positive("--files", value());
    else if (arg == "--lines") f.lines = positive("--lines", value());
    else if (arg == "--dir") f.dir = value();
    else if (arg == "--keep") f.keep = true;
    else usage("unknown flag " + std::string(arg));
  }
  if (f.dir.empty())
    f.dir = std::filesystem::temp_directory_path() / ("weft-parallel-map-" + std::to_string(::getpid()));
  return f;
}

// Writes the logs; returns the clients that asked for /robots.txt.
std::set<std::string> write_logs(const Flags& flags) {
  static const char* const kPaths[] = {"/", "/index.html", "/about", "/img/logo.png", "/css/site.css",
                                       "/api/v1/items", "/search?q=fibers", "/robots.txt"};
  std::mt19937 random(1234);
  std::set<std::string> robots;
  std::filesystem::create_directories(flags.dir);
  for (int file = 0; file < flags.files; ++file) {
    const std::string path = (flags.dir / ("access-" + std::to_string(file) + ".log.gz")).string();
    gzFile out = ::gzopen(path.c_str(), "wb1");
    if (out == nullptr) throw std::runtime_error("cannot write " + path);
    for (int line = 0; line < flags.lines; ++line) {
      const std::string client = "10." + std::to_string(random() % 4) + "." + std::to_string(random() % 256) + "." +
                                 std::to_string(random() % 256);
      // About one request in 2000 is for /robots.txt.
      const char* page = random() % 2000 == 0 ? kPaths[7] : kPaths[random() % 7];
      if (page == kPaths[7]) robots.insert(client);
      const std::string text = client + " - - [05/Dec/2026:10:00:" + std::to_string(line % 60) +
                               " +0000] \"GET " + page + " HTTP/1.1\" 200 " + std::to_string(random() % 5000) + "\n";
      ::gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    }
    ::gzclose(out);
  }
  return robots;
}

// Decompresses a whole log. Called through weft::blocking: zlib reads the file.
std::string read_gzip(const std::string& path) {
  gzFile in = ::gzopen(path.c_str(), "rb");
  if (in == nullptr) throw std::runtime_error("cannot read " + path);
  std::string text;
  char buffer[1 << 16];
  int n = 0;
  while ((n = ::gzread(in, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<std::size_t>(n));
  const bool failed = n < 0;
  ::gzclose(in);
  if (failed) throw std::runtime_error("corrupt gzip data in " + path);
  return text;
}

// The fields of a log line are separated by spaces; the 7th is the requested path.
std::set<std::string> find_robots(const std::string& log) {
  std::set<std::string> robots;
  std::size_t at = 0;
  while (at < log.size()) {
    std::size_t end = log.find('\n', at);
    if (end == std::string::npos) end = log.size();
    const std::string_view line(log.data() + at, end - at);
    std::string_view fields[7];
    std::size_t count = 0, pos = 0;
    while (count < 7 && pos < line.size()) {
      const std::size_t next = line.find(' ', pos);
      fields[count++] = line.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
    if (count == 7 && fields[6] == "/robots.txt") robots.insert(std::string(fields[0]));
    at = end + 1;
  }
  return robots;
}

struct Result {
  std::set<std::string> robots;
  double seconds = 0;
};

Result find_all_robots(const Flags& flags, std::size_t workers) {
  weft::RuntimeOptions options;
  options.workers = workers;
  const auto start = std::chrono::steady_clock::now();
  Result result;
  result.robots = weft::run(
      [&] {
        std::vector<weft::JoinHandle<std::set<std::string>>> scans;
        for (int file = 0; file < flags.files; ++file) {
          const std::string path = (flags.dir / ("access-" + std::to_string(file) + ".log.gz")).string();
          scans.push_back(weft::spawn([path] {
            const std::string log = weft::blocking([&] { return read_gzip(path); });
            // Scanning is CPU work on the worker: it scans the text a few times, as a
            // heavier analysis would, so the workers have something to share.
            std::set<std::string> robots;
            for (int pass = 0; pass < 4; ++pass) robots = find_robots(log);
            return robots;
          }, {.name = "scan " + path}));
        }
        std::set<std::string> all;
        for (auto& scan : scans) {
          const std::set<std::string> found = scan.join();
          all.insert(found.begin(), found.end());
        }
        return all;
      },
      std::move(options));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parse(argc, argv);
  const std::size_t all_workers = std::max(1u, std::thread::hardware_concurrency());
  int status = 0;
  const bool made_dir = !std::filesystem::exists(flags.dir);  // never remove a user's directory
  try {
    std::printf("writing %d gzip'ed logs of %d lines to %s\n", flags.files, flags.lines, flags.dir.c_str());
    const std::set<std::string> planted = write_logs(flags);
    const Result one = find_all_robots(flags, 1);
    const Result all = find_all_robots(flags, all_workers);
    std::printf("%zu clients fetched /robots.txt, for example:", all.robots.size());
    int shown = 0;
    for (const std::string& client : all.robots) {
      if (shown++ == 3) break;
      std::printf(" %s", client.c_str());
    }
    std::printf("\n1 worker: %.3f s; %zu workers: %.3f s; speedup %.2fx\n", one.seconds, all_workers, all.seconds,
                one.seconds / all.seconds);
    if (one.robots != planted || all.robots != planted) {
      std::fprintf(stderr, "parallel_map: found %zu and %zu clients, planted %zu\n", one.robots.size(),
                   all.robots.size(), planted.size());
      status = 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parallel_map: %s\n", e.what());
    status = 1;
  }
  if (!flags.keep) {
    std::error_code ignored;
    for (int file = 0; file < flags.files; ++file)
      std::filesystem::remove(flags.dir / ("access-" + std::to_string(file) + ".log.gz"), ignored);
    if (made_dir) std::filesystem::remove(flags.dir, ignored);  // only if now empty
  }
  return status;
}
