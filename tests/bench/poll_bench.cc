// The polling side at scale (issue 3): N sources (default 10,000) spread over H
// host names (*.localhost, default 500) with a fixed interval (default 60s),
// polled by the real Watcher + curl fetcher + SQLite store (temp dir) + ZeroMQ
// publisher against a tiny epoll HTTP server in a child process that answers
// every conditional GET with 304. Reports, per segment of polls, the daemon
// process's CPU seconds per 1,000 polls and CPU share of wall time (getrusage:
// the server's CPU is its own process's), and its resident memory.
//
//   build-release/bench/poll_bench [--sources 10000] [--hosts 500] [--interval 60]
//                                  [--polls 20000] [--segments 5] [--spacing-ms 500]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "daemon/clock.h"
#include "daemon/delivery.h"
#include "daemon/publisher.h"
#include "daemon/store.h"
#include "daemon/watcher.h"
#include "feeds/curl_fetcher.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// ---- The server (child process) ----

constexpr std::string_view kNotModified =
    "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\nCache-Control: max-age=0\r\n\r\n";
constexpr std::string_view kFeed =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid>"
    "<title>x</title></item></channel></rss>";

[[noreturn]] void serve(int listener) {
  const int ep = epoll_create1(0);
  epoll_event ev{.events = EPOLLIN, .data = {.fd = listener}};
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, std::string> buffers;
  const std::string ok =
      "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: \"v1\"\r\n"
      "Content-Length: " +
      std::to_string(kFeed.size()) + "\r\n\r\n" + std::string(kFeed);
  epoll_event events[256];
  char buf[8192];
  for (;;) {
    const int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        for (;;) {
          const int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          epoll_event cev{.events = EPOLLIN, .data = {.fd = c}};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      const ssize_t got = read(fd, buf, sizeof buf);
      if (got <= 0) {
        buffers.erase(fd);
        close(fd);
        continue;
      }
      std::string& b = buffers[fd];
      b.append(buf, static_cast<std::size_t>(got));
      std::size_t end;
      while ((end = b.find("\r\n\r\n")) != std::string::npos) {
        const bool conditional = b.substr(0, end).find("If-None-Match") != std::string::npos;
        const std::string_view reply = conditional ? kNotModified : std::string_view(ok);
        // Replies are small: a blocking-enough write on loopback.
        (void)!write(fd, reply.data(), reply.size());
        b.erase(0, end + 4);
      }
    }
  }
}

// ---- Measurement ----

struct Usage {
  Clock::time_point wall;
  double cpu;  // user + system seconds of this process
};

Usage usage_now() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto secs = [](timeval t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {Clock::now(), secs(ru.ru_utime) + secs(ru.ru_stime)};
}

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
  }
  return -1;
}

class CountingFetcher final : public nw::Fetcher {
 public:
  explicit CountingFetcher(nw::Fetcher& inner) : inner_(inner) {}
  void submit(nw::FetchRequest request, Done done) override {
    ++submitted;
    inner_.submit(std::move(request),
                  [this, done = std::move(done)](nw::Result<nw::FetchResponse> r) {
                    ++completed;
                    if (!r || r->status != 304) ++not_304;
                    if (!r && errors_shown++ < 3)
                      std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
                    done(std::move(r));
                  });
  }
  void run(std::chrono::milliseconds max_wait) override { inner_.run(max_wait); }
  std::size_t pending() const override { return inner_.pending(); }
  void wakeup() override { inner_.wakeup(); }
  long submitted = 0, completed = 0, not_304 = 0;

 private:
  nw::Fetcher& inner_;
  int errors_shown = 0;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  long sources = 10'000, hosts = 500, interval_s = 60, polls = 20'000, segments = 5,
       spacing_ms = 500;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const long v = std::atol(argv[i + 1]);
    if (k == "--sources")
      sources = v;
    else if (k == "--hosts")
      hosts = v;
    else if (k == "--interval")
      interval_s = v;
    else if (k == "--polls")
      polls = v;
    else if (k == "--segments")
      segments = v;
    else if (k == "--spacing-ms")
      spacing_ms = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);

  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 4096) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::perror("server socket");
    return 1;
  }
  const int port = ntohs(addr.sin_port);
  const pid_t server = fork();
  if (server == 0) serve(listener);
  close(listener);

  const auto dir =
      std::filesystem::temp_directory_path() / ("poll_bench_" + std::to_string(getpid()));
  int rc = 0;
  {
    auto store = nw::open_sqlite_store(dir);
    zmq::context_t zmq_context;
    auto publisher = nw::bind_zmq_publisher(zmq_context, "tcp://127.0.0.1:*");
    if (!store || !publisher) {
      std::fprintf(stderr, "%s\n", (!store ? store.error() : publisher.error()).message.c_str());
      kill(server, SIGTERM);
      return 1;
    }
    nw::SystemClock clock;
    // Steady state, as after a restart: every source known (ETag stored), its
    // next poll spread over one interval.
    std::vector<nw::SourceConfig> configs;
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock.now());
    std::mt19937 rng(42);
    for (long i = 0; i < sources; ++i) {
      const std::string url = "http://h" + std::to_string(i % hosts) +
                              ".localhost:" + std::to_string(port) + "/feed/" + std::to_string(i) +
                              ".xml";
      nw::SourceConfig s{.id = "s" + std::to_string(i),
                         .url = url,
                         .interval = std::chrono::seconds(interval_s),
                         .min_interval = std::chrono::seconds(interval_s),
                         .max_interval = std::chrono::seconds(interval_s)};
      nw::SourceState st;
      st.config_url = st.url = url;
      st.etag = "\"v1\"";
      st.initialized = true;
      st.next_poll =
          now + std::chrono::seconds(std::uniform_int_distribution<long>(0, interval_s - 1)(rng));
      if (auto saved = (*store)->save_source(s.id, st); !saved) {
        std::fprintf(stderr, "%s\n", saved.error().message.c_str());
        return 1;
      }
      configs.push_back(std::move(s));
    }
    nw::FetchOptions options;
    options.host_spacing = std::chrono::milliseconds(spacing_ms);
    auto curl = nw::make_curl_fetcher(options);
    CountingFetcher fetcher(*curl);
    nw::Delivery delivery(**store, **publisher, clock, {});
    nw::Watcher watcher(fetcher, **store, delivery, clock, {});
    watcher.set_sources(std::move(configs));

    std::printf(
        "poll_bench: %ld sources on %ld hosts, interval %lds, host spacing %ldms, server port %d\n",
        sources, hosts, interval_s, spacing_ms, port);
    std::printf("after setup: VmRSS %ld kB\n", status_kb("VmRSS:"));
    std::printf("%8s %8s %8s %10s %12s %8s %10s\n", "segment", "polls", "wall_s", "cpu_s",
                "cpu_s/1kpoll", "cpu_%", "VmRSS_kB");
    std::vector<double> per_k, share;
    const long per_segment = std::max(1L, polls / segments);
    for (long seg = 1; seg <= segments; ++seg) {
      const long start_polls = fetcher.completed;
      const Usage a = usage_now();
      while (fetcher.completed - start_polls < per_segment) fetcher.run(watcher.tick());
      const Usage b = usage_now();
      const double wall = std::chrono::duration<double>(b.wall - a.wall).count();
      const double cpu = b.cpu - a.cpu;
      const long n = fetcher.completed - start_polls;
      per_k.push_back(cpu / static_cast<double>(n) * 1000.0);
      share.push_back(cpu / wall * 100.0);
      std::printf("%8ld %8ld %8.1f %10.3f %12.4f %8.2f %10ld\n", seg, n, wall, cpu, per_k.back(),
                  share.back(), status_kb("VmRSS:"));
      std::fflush(stdout);
    }
    std::printf(
        "median: %.4f CPU s per 1000 polls, %.2f%% CPU; peak RSS %ld kB (VmHWM); "
        "%ld of %ld answers were not 304\n",
        median(per_k), median(share), status_kb("VmHWM:"), fetcher.not_304, fetcher.completed);
    if (fetcher.not_304 > 0) rc = 1;
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(dir);
  return rc;
}
