// `newswatch notify` end to end, with the real binaries: newswatchd polling a
// local site that keeps publishing, the notifier delivering to webhook
// receivers (cpp-httplib on 127.0.0.1).
//  - kill -9 loop: the notifier killed at random moments and started again;
//    each of two channels gets every alert, in seq order; a repeat carries the
//    same Idempotency-Key, and there are at most as many as kills;
//  - a channel that answers 500 for a while, then 429 with Retry-After: 2,
//    then 200 gets everything, in order, and the other channel is not held
//    back meanwhile; /metrics and --status show it;
//  - --check: a good config passes, a bad one fails with file:line:col.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "tests/daemon/notify_receiver.h"
#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
using test::Child;
using test::free_tcp_port;

// A news site whose feed grows by `publish(n)`; every item matches the one rule.
class Site {
 public:
  explicit Site(test::HttpServer& server) : server_(server) { publish(0); }
  void publish(int count) {
    std::lock_guard lock(mutex_);
    for (int i = count_ + 1; i <= count_ + count; ++i) {
      server_.set("/articles/" + std::to_string(i),
                  {.body = "<html lang=\"ar\"><head><title>خبر " + std::to_string(i) +
                           "</title></head><body><article><h1>خبر " + std::to_string(i) +
                           "</h1><p>وصل المشير حفتر إلى القاهرة رقم " + std::to_string(i) +
                           ". وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في "
                           "البلاد والتنسيق المشترك بين الجانبين.</p></article></body></html>"});
    }
    count_ += count;
    std::string rss =
        R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>)";
    for (int i = count_; i >= std::max(1, count_ - 60); --i) {
      rss += "<item><guid>item-" + std::to_string(i) + "</guid><title>خبر " + std::to_string(i) +
             "</title><link>" + server_.url("/articles/" + std::to_string(i)) + "</link></item>";
    }
    server_.set("/feed.xml",
                {.content_type = "application/rss+xml", .body = rss + "</channel></rss>"});
  }
  int count() const { return count_; }

 private:
  test::HttpServer& server_;
  std::mutex mutex_;
  int count_ = 0;
};

class NotifyE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("notify_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    const int port = free_tcp_port();
    endpoint_ = "tcp://127.0.0.1:" + std::to_string(port);
    replay_ = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    std::ofstream(dir_ / "watchlists" / "libya.toml")
        << "name = \"libya\"\n[[rule]]\nid = \"haftar-cairo\"\nquery = 'حفتر AND القاهرة'\n"
           "severity = \"high\"\n";
    std::ofstream(dir_ / "newswatch.toml")
        << "watchlists = [\"watchlists/*.toml\"]\n[daemon]\nstate_dir = \"state\"\n"
           "[publish]\nendpoint = \""
        << endpoint_ << "\"\nreplay_endpoint = \"" << replay_ << "\"\nheartbeat = \"1s\"\n"
        << "[[source]]\nid = \"site\"\nurl = \"" << server_.url("/feed.xml")
        << "\"\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n";
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const char* log : {"daemon.log", "notify.log"}) {
        const std::string text = test::read_file(dir_ / log);
        std::cerr << "---- " << log << " (tail) ----\n"
                  << text.substr(text.size() > 5000 ? text.size() - 5000 : 0);
      }
    }
    fs::remove_all(dir_);
  }
  void secret(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text << "\n";
    fs::permissions(dir_ / name, fs::perms::owner_read | fs::perms::owner_write);
  }
  // Two webhook channels, a and b, both routed every alert.
  void write_notify_config(const std::string& extra = "") {
    secret("a.url", http_.url("/a"));
    secret("b.url", http_.url("/b"));
    std::ofstream(dir_ / "notify.toml")
        << "[subscribe]\nendpoint = \"" << endpoint_ << "\"\nreplay_endpoint = \"" << replay_
        << "\"\nstate_dir = \"notify-state\"\nheartbeat = \"1s\"\n"
        << extra
        << "[[channel]]\nid = \"a\"\nkind = \"webhook\"\nurl_file = \"a.url\"\n"
           "[[channel]]\nid = \"b\"\nkind = \"webhook\"\nurl_file = \"b.url\"\n"
           "[[route]]\ntopics = [\"libya/\"]\nchannels = [\"a\", \"b\"]\n";
  }
  std::unique_ptr<Child> daemon() {
    return std::make_unique<Child>(
        test::build_binary("newswatchd"),
        std::vector<std::string>{"--config", (dir_ / "newswatch.toml").string()},
        dir_ / "daemon.log", dir_ / "daemon.log");
  }
  std::unique_ptr<Child> notifier() {
    return std::make_unique<Child>(
        test::build_binary("newswatch"),
        std::vector<std::string>{"notify", "--config", (dir_ / "notify.toml").string()},
        dir_ / "notify.log", dir_ / "notify.log");
  }
  static bool wait_for(const std::function<bool()>& done, std::chrono::seconds limit) {
    return test::wait_for(done, limit);
  }
  std::set<std::uint64_t> distinct(const std::string& path) const {
    std::set<std::uint64_t> s;
    for (const auto& r : http_.accepted(path))
      s.insert(json::parse(r.body)["seq"].get<std::uint64_t>());
    return s;
  }

  fs::path dir_;
  test::HttpServer server_;
  test::Receiver http_;
  std::string endpoint_, replay_;
};

TEST_F(NotifyE2E, KillNineLoopDeliversEveryAlertToEachChannelInOrderWithAtMostOneRepeatPerKill) {
  Site site(server_);
  write_notify_config();
  auto d = daemon();
  auto n = notifier();
  // The first start follows from the daemon's next alert: wait until it joined.
  ASSERT_TRUE(wait_for([&] { return fs::exists(dir_ / "notify-state/cursors/a"); }, 20s));
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pause_ms(100, 1200);
  constexpr int kRounds = 15;
  int kills = 0;
  for (int round = 0; round < kRounds; ++round) {
    site.publish(1 + round % 3);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    n->kill9();
    ++kills;
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng) / 4));
    n = notifier();
  }
  // One more alert with the last notifier standing: a repeat of any earlier one comes before it.
  site.publish(1);
  const auto expected = static_cast<std::size_t>(site.count());
  const auto ends_with_last = [&](const std::string& path) {
    const auto got = http_.accepted(path);
    return !got.empty() && json::parse(got.back().body)["seq"].get<std::uint64_t>() == expected;
  };
  ASSERT_TRUE(wait_for([&] { return ends_with_last("/a") && ends_with_last("/b"); }, 60s))
      << distinct("/a").size() << ", " << distinct("/b").size() << " of " << expected;
  std::set<std::uint64_t> want;
  for (std::uint64_t s = 1; s <= expected; ++s) want.insert(s);
  std::string figures = "kill loop: " + std::to_string(kRounds) + " rounds, " +
                        std::to_string(kills) + " kills, " + std::to_string(expected) + " alerts";
  for (const std::string path : {"/a", "/b"}) {
    const auto got = http_.accepted(path);
    std::vector<std::uint64_t> seqs;
    std::map<std::uint64_t, std::set<std::string>> keys;
    for (const auto& r : got) {
      const json a = json::parse(r.body);
      seqs.push_back(a["seq"]);
      keys[a["seq"]].insert(r.header("Idempotency-Key"));
      EXPECT_EQ(r.header("Idempotency-Key"), a["id"].get<std::string>());
    }
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << path;
    EXPECT_EQ(std::set<std::uint64_t>(seqs.begin(), seqs.end()), want) << path;
    for (const auto& [seq, k] : keys) EXPECT_EQ(k.size(), 1u) << path << " seq " << seq;
    const std::size_t repeats = seqs.size() - keys.size();
    EXPECT_LE(repeats, static_cast<std::size_t>(kills)) << path;
    figures += "; channel " + path.substr(1) + ": " + std::to_string(seqs.size()) +
               " deliveries, " + std::to_string(repeats) + " repeats";
  }
  std::cout << figures << "\n";
  EXPECT_EQ(n->stop(), 0);
  EXPECT_EQ(d->stop(), 0);
}

TEST_F(NotifyE2E, AFailingChannelGetsEverythingInOrderAndHoldsNobodyBack) {
  http_.script(
      "/a", {{500, "down"}, {500, "down"}, {500, "down"}, {429, "slow", {{"Retry-After", "2"}}}});
  const int metrics_port = free_tcp_port();
  write_notify_config("[metrics]\nendpoint = \"127.0.0.1:" + std::to_string(metrics_port) + "\"\n");
  Site site(server_);
  auto d = daemon();
  auto n = notifier();
  ASSERT_TRUE(wait_for([&] { return fs::exists(dir_ / "notify-state/cursors/a"); }, 20s));
  site.publish(4);
  // b gets all four while a is still failing (1 + 2 + 4 s of backoff, then 2 s).
  ASSERT_TRUE(wait_for([&] { return distinct("/b").size() == 4; }, 20s));
  EXPECT_TRUE(http_.accepted("/a").empty());
  const auto [status_rc, status] =
      test::run_command(test::build_binary("newswatch").string() + " notify --status -c " +
                        (dir_ / "notify.toml").string());
  EXPECT_EQ(status_rc, 0);
  EXPECT_NE(status.find("running (pid"), std::string::npos) << status;
  ASSERT_TRUE(wait_for([&] { return distinct("/a").size() == 4; }, 30s));
  const auto tries = http_.received("/a");
  ASSERT_GE(tries.size(), 8u);
  EXPECT_EQ(tries[3].status, 429);
  EXPECT_GE(tries[4].at - tries[3].at, 1900ms);
  std::vector<std::uint64_t> seqs;
  for (const auto& r : http_.accepted("/a")) seqs.push_back(json::parse(r.body)["seq"]);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  const auto [rc, metrics] =
      test::run_command("curl -s http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
  EXPECT_EQ(rc, 0);
  EXPECT_NE(metrics.find("newswatch_notify_failures_total{channel=\"a\",reason=\"http_500\"} 3"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("newswatch_notify_sent_total{channel=\"b\"} 4"), std::string::npos);
  EXPECT_NE(metrics.find("newswatch_notify_lag_alerts{channel=\"a\"} 0"), std::string::npos);
  EXPECT_EQ(n->stop(), 0);
  EXPECT_EQ(d->stop(), 0);
}

TEST_F(NotifyE2E, CheckPassesAGoodConfigAndPointsAtTheProblemsOfABadOne) {
  write_notify_config();
  const std::string tool = test::build_binary("newswatch").string();
  auto [rc, out] =
      test::run_command(tool + " notify --check -c " + (dir_ / "notify.toml").string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("OK (2 channels, 1 route)"), std::string::npos) << out;
  std::ofstream(dir_ / "bad.toml")
      << "[[channel]]\nid = \"x\"\nkind = \"slack\"\nurl = \"https://hooks.example\"\n"
         "[[route]]\nchannels = [\"y\"]\n";
  std::tie(rc, out) =
      test::run_command(tool + " notify --check -c " + (dir_ / "bad.toml").string());
  EXPECT_EQ(rc, 2);
  EXPECT_NE(out.find("bad.toml:4:7: 'url' in [[channel]] would put a secret in the config"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("bad.toml:6:13: [[route]] names channel \"y\""), std::string::npos) << out;
}

}  // namespace
}  // namespace nw
