// http: requests per second of small keep-alive HTTP/1.1 servers on loopback, each
// driven by the same `wrk -t1 -c100 -d5s`: weft's http_hello demo on one worker against
// nginx (one worker process, access log off, the same body from memory) and Go's
// net/http with GOMAXPROCS=1 (peers/http_server.go). With two CPUs or more, the server
// runs on one and wrk on another. Skipped as a whole where wrk is not installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "go_peer.hpp"
#include "process.hpp"
#include "runtime_options.hpp"

namespace weft::bench {

namespace {

using namespace std::chrono_literals;

struct Load {
  unsigned connections;
  unsigned seconds;
};

Load load(const Options& options) { return options.quick ? Load{10, 1} : Load{100, 5}; }

constexpr auto kServerStartLimit = 10s;
constexpr auto kStopGrace = 5s;
constexpr auto kWrkOverrun = 30s;   // beyond its -d: connecting, the last replies, the report

constexpr const char* kNotInstalledNote = "; ./run bench installs it";

// Runs wrk against `url` and returns its Requests/sec. Every response must be a 2xx.
double run_wrk(const std::string& url, const Options& options, std::optional<int> cpu) {
  const Load l = load(options);
  Process wrk({"wrk", "-t1", "-c" + std::to_string(l.connections), "-d" + std::to_string(l.seconds) + "s", url}, {},
              cpu);
  const int status = wrk.finish(after(std::chrono::seconds(l.seconds) + kWrkOverrun));
  if (status != 0)
    throw Failure("wrk exited with status " + std::to_string(status) + "; it printed: '" + wrk.output() + "'");
  if (wrk.output().find("Non-2xx") != std::string::npos)
    throw Failure("the server at " + url + " answered with errors; wrk printed: '" + wrk.output() + "'");
  const std::string line = line_with("wrk", wrk.output(), "Requests/sec:");
  double rate = 0;
  if (std::sscanf(line.c_str(), " Requests/sec: %lf", &rate) != 1 || rate <= 0)
    throw Failure("cannot read wrk's rate from '" + line + "'");
  return rate;
}

// Loads a started server at `url`, then stops it with SIGTERM: it must exit cleanly, in time.
double load_and_stop(Process& server, const std::string& url, const Options& options, const Placement& where) {
  const double rate = run_wrk(url, options, where.load);
  const int status = server.stop(kStopGrace);
  if (status != 0)
    throw Failure(server.who() + " exited with status " + std::to_string(status) + " after SIGTERM");
  return rate;
}

double weft_http(const Options& options) {
  const Placement where = placement();
  Process server({built_program(WEFT_BENCH_HTTP_HELLO, "demos/http_hello"), "--port", "0", "--reactor", "epoll"}, {kOneWorkerEnv},
                 where.server);
  const std::string url = listening_address(server, after(kServerStartLimit));   // http://IP:PORT/
  return load_and_stop(server, url, options, where);
}

double go_http(const Options& options) {
  const std::string program = go_program(WEFT_BENCH_GO_HTTP_SOURCE, WEFT_BENCH_BUILD_DIR "/go_http");
  const Placement where = placement();
  Process server({program, "-address", "127.0.0.1:0"}, {"GOMAXPROCS=1"}, where.server);
  const std::string url = listening_address(server, after(kServerStartLimit));
  return load_and_stop(server, url, options, where);
}

// ---- nginx: no port 0, no announcement, a configuration file --------------------------

std::string nginx_program() {
  if (in_path("nginx")) return "nginx";
  if (::access("/usr/sbin/nginx", X_OK) == 0) return "/usr/sbin/nginx";   // not in a user's PATH
  throw Skip(std::string("nginx is not installed (Debian package nginx-light") + kNotInstalledNote + ")");
}

// A loopback port that was free a moment ago (nginx cannot be told to pick one).
unsigned free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof sin;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &length) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw Failure("cannot find a free loopback port");
  return ntohs(sin.sin_port);
}

bool accepts_connections(unsigned port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0;
  ::close(fd);
  return connected;
}

// One worker, no access log, the body of http_hello from memory, keep-alive as long as
// the client wants (as weft and Go do); every path nginx writes is under `dir`.
std::string write_nginx_config(const std::filesystem::path& dir, unsigned port) {
  std::filesystem::create_directories(dir);
  const std::string d = dir.string();
  const std::string path = (dir / "nginx.conf").string();
  std::ofstream conf(path);
  conf << "worker_processes 1;\n"
       << "daemon off;\n"
       << "pid " << d << "/nginx.pid;\n"
       << "error_log stderr warn;\n"
       << "events { worker_connections 1024; }\n"
       << "http {\n"
       << "  access_log off;\n"
       << "  client_body_temp_path " << d << "/body;\n"
       << "  proxy_temp_path " << d << "/proxy;\n"
       << "  fastcgi_temp_path " << d << "/fastcgi;\n"
       << "  uwsgi_temp_path " << d << "/uwsgi;\n"
       << "  scgi_temp_path " << d << "/scgi;\n"
       << "  keepalive_requests 1000000000;\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port << ";\n"
       << "    location / { default_type text/plain; return 200 \"Hello, world\\n\"; }\n"
       << "  }\n"
       << "}\n";
  if (!conf.flush()) throw Failure("cannot write " + path);
  return path;
}

double nginx_http(const Options& options) {
  const std::string program = nginx_program();
  const Placement where = placement();
  const std::filesystem::path dir = std::filesystem::path(WEFT_BENCH_BUILD_DIR) / "nginx";
  const unsigned port = free_loopback_port();
  const std::string config = write_nginx_config(dir, port);
  Process server({program, "-p", dir.string(), "-c", config, "-e", "stderr"}, {}, where.server);
  const Deadline started = after(kServerStartLimit);
  while (!accepts_connections(port)) {
    if (Clock::now() >= started) throw Failure("nginx does not accept connections on port " + std::to_string(port));
    std::this_thread::sleep_for(20ms);
  }
  return load_and_stop(server, "http://127.0.0.1:" + std::to_string(port) + "/", options, where);
}

std::string wrk_missing() {
  return in_path("wrk") ? "" : std::string("wrk is not installed (Debian package wrk") + kNotInstalledNote + ")";
}

}  // namespace

Case http_case() {
  Case c;
  c.name = "http";
  c.unit = "requests/s";
  c.better = Better::Higher;
  const Load l = load(Options{});
  c.about = "keep-alive HTTP/1.1 hello-world servers on loopback, each under wrk -t1 -c" +
            std::to_string(l.connections) + " -d" + std::to_string(l.seconds) +
            "s; server and wrk on different CPUs where there are two";
  c.warm_up = false;
  c.unavailable_here = wrk_missing;
  c.weft = {"weft", "weft http_hello, epoll reactor (1 worker, a fiber per connection)", weft_http};
  c.peers.push_back({"nginx", "nginx (1 worker process, access_log off, body from memory)", nginx_http});
  c.peers.push_back({"go", "go net/http (GOMAXPROCS=1)", go_http});
  return c;
}

}  // namespace weft::bench
