// `newswatch notify` under load (issue 21 §1): alerts published by a real
// publisher + replay socket + SQLite store in this process, the real notifier
// binary as a child process delivering to a webhook receiver (cpp-httplib) on
// 127.0.0.1. Prints the time from publish to webhook received (p50, p99, max)
// over N alerts sent at R alerts/s, and the notifier's CPU (share of one core)
// and resident memory (now and peak) over that run.
//   build/bench/notify_bench [N=1000] [R=100]
#include <spdlog/spdlog.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "daemon/delivery.h"
#include "daemon/replay_server.h"
#include "daemon/store.h"
#include "tests/daemon/notify_receiver.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// utime + stime of `pid`, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  std::vector<std::string> v;
  while (fields >> f) v.push_back(f);
  // After "pid (comm) ": state is field 3, utime 14, stime 15.
  if (v.size() < 13) return 0;
  return (std::stod(v[11]) + std::stod(v[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long status_kib(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::off);  // Delivery logs each alert
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rate = argc > 2 ? std::atoi(argv[2]) : 100;
  const fs::path dir = fs::temp_directory_path() / ("notify_bench_" + std::to_string(getpid()));
  fs::create_directories(dir / "notify-state" / "cursors");

  auto store = nw::open_sqlite_store(dir / "daemon");
  auto own = nw::open_sqlite_store(dir / "daemon");
  zmq::context_t ctx;
  auto publisher = nw::bind_zmq_publisher(ctx, "tcp://127.0.0.1:*");
  if (!store || !own || !publisher) {
    std::fprintf(stderr, "cannot set up the store or publisher\n");
    return 1;
  }
  auto replay = nw::ReplayServer::start(ctx, "tcp://127.0.0.1:*", std::move(*own));
  if (!replay) return 1;
  nw::SystemClock clock;
  nw::Delivery delivery(**store, **publisher, clock, {.heartbeat = 1s});
  std::mutex mutex;
  std::atomic<bool> stop{false};
  std::thread ticker([&] {
    while (!stop) {
      {
        std::lock_guard lock(mutex);
        delivery.tick();
      }
      std::this_thread::sleep_for(20ms);  // the daemon loop's pace, not a wait
    }
  });

  nw::test::Receiver hook;
  std::mutex times_mutex;
  std::map<std::uint64_t, Clock::time_point> received;
  hook.on_request([&](const httplib::Request& req) {
    const auto now = Clock::now();
    std::lock_guard lock(times_mutex);
    received.emplace(std::stoull(req.get_header_value("X-Newswatch-Seq")), now);
  });
  {
    std::ofstream(dir / "hook.url") << hook.url("/hook") << "\n";
    fs::permissions(dir / "hook.url", fs::perms::owner_read | fs::perms::owner_write);
    std::ofstream(dir / "notify-state" / "cursors" / "hook") << "0\n";
    std::ofstream(dir / "notify.toml")
        << "[subscribe]\nendpoint = \"" << (*publisher)->endpoint() << "\"\nreplay_endpoint = \""
        << (*replay)->endpoint()
        << "\"\nstate_dir = \"notify-state\"\nheartbeat = \"1s\"\nlog_level = \"warn\"\n"
           "[[channel]]\nid = \"hook\"\nkind = \"webhook\"\nurl_file = \"hook.url\"\n"
           "[[route]]\nchannels = [\"hook\"]\n";
  }
  nw::test::Child notifier(nw::test::build_binary("newswatch"),
                           {"notify", "--config", (dir / "notify.toml").string()},
                           dir / "notify.log", dir / "notify.log");

  std::uint64_t seq = 0;
  std::map<std::uint64_t, Clock::time_point> published;
  auto publish = [&] {
    std::lock_guard lock(mutex);
    ++seq;
    const std::string key = "k" + std::to_string(seq);
    nw::Alert a{.watchlist = "libya",
                .rule = "haftar-cairo",
                .source = "alrasifa",
                .url = "https://news.example/" + key};
    a.title = "وصل المشير حفتر إلى القاهرة " + std::to_string(seq);
    a.snippet = "وصل المشير خليفة حفتر إلى القاهرة اليوم في زيارة رسمية";
    a.matched = {"حفتر", "القاهرة"};
    a.id = nw::alert_id(a.watchlist, a.rule, key);
    if (!(*store)->finish_item("alrasifa", key, key, {a})) return;
    published[seq] = Clock::now();
    delivery.publish_recorded();
  };
  auto arrived = [&](std::uint64_t upto) {
    std::lock_guard lock(times_mutex);
    return received.size() >= upto;
  };
  // Warm-up: the notifier joins and delivers a first few.
  for (int i = 0; i < 10; ++i) publish();
  (void)nw::test::wait_for([&] { return arrived(10); }, std::chrono::seconds(30), 100ms);
  if (!arrived(10)) {
    std::fprintf(stderr, "the notifier did not deliver the warm-up alerts; see %s\n",
                 (dir / "notify.log").c_str());
    return 1;
  }
  const std::uint64_t first = seq + 1;
  const double cpu0 = cpu_seconds(notifier.pid());
  const auto t0 = Clock::now();
  const auto period = std::chrono::microseconds(1000000 / rate);
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_until(t0 + period * i);
    publish();
  }
  const auto t1 = Clock::now();
  const double cpu1 = cpu_seconds(notifier.pid());
  const long rss = status_kib(notifier.pid(), "VmRSS");
  (void)nw::test::wait_for([&] { return arrived(seq); }, std::chrono::seconds(30), 100ms);
  const long hwm = status_kib(notifier.pid(), "VmHWM");

  std::vector<double> ms;
  {
    std::lock_guard lock(times_mutex);
    for (std::uint64_t s = first; s <= seq; ++s) {
      auto it = received.find(s);
      if (it != received.end())
        ms.push_back(std::chrono::duration<double, std::milli>(it->second - published[s]).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * ms.size()))];
  };
  const double wall = std::chrono::duration<double>(t1 - t0).count();
  std::printf(
      "notify_bench: %d alerts at %d/s to a webhook: received %zu; publish -> webhook "
      "received p50 %.2f ms, p99 %.2f ms, max %.2f ms; notifier CPU %.1f %% of a core, "
      "RSS %.1f MiB (peak %.1f MiB)\n",
      n, rate, ms.size(), pct(0.50), pct(0.99), ms.empty() ? 0.0 : ms.back(),
      100.0 * (cpu1 - cpu0) / wall, static_cast<double>(rss) / 1024,
      static_cast<double>(hwm) / 1024);
  notifier.stop();
  stop = true;
  ticker.join();
  fs::remove_all(dir);
  return ms.size() == static_cast<std::size_t>(n) ? 0 : 1;
}
