// End to end: the real newswatchd reads the robots.txt of the sites its
// articles are on, served by real HTTP servers on 127.0.0.1. A disallowed
// article is never asked for and is matched on its feed text; Crawl-delay
// spaces the allowed ones; a source with robots = false ignores the file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <vector>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string rss(const std::string& base, const std::vector<std::string>& paths) {
  std::string s =
      R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>)";
  for (const std::string& p : paths) {
    s += "<item><guid>" + p + "</guid><title>حفتر يصل القاهرة " + p + "</title><link>" + base + p +
         "</link><description>زيارة</description></item>";
  }
  return s + "</channel></rss>";
}

std::string page() {
  std::string p;
  for (int i = 0; i < 3; ++i) {
    p += "<p>وصل المشير خليفة حفتر إلى القاهرة للقاء المسؤولين وأكدت المصادر أن المحادثات "
         "تناولت تطورات الأوضاع الراهنة في البلاد.</p>";
  }
  return "<html lang=\"ar\"><head><title>خبر</title></head><body><article><h1>خبر</h1>" + p +
         "</article></body></html>";
}

// When each GET of a path arrived.
struct Arrivals {
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> at;
  httplib::Server::Handler handler() {
    return [this](const httplib::Request&, httplib::Response& res) {
      {
        std::lock_guard lock(mutex);
        at.push_back(std::chrono::steady_clock::now());
      }
      res.set_content(page(), "text/html; charset=utf-8");
    };
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return at.size();
  }
};

class RobotsE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("newswatch_robots_e2e_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    std::ofstream(dir_ / "watchlists" / "w.toml")
        << "name = \"w\"\n[[rule]]\nid = \"haftar\"\nquery = 'حفتر AND القاهرة'\n";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- newswatchd log ----\n" << test::read_file(log());
    fs::remove_all(dir_);
  }
  fs::path log() const { return dir_ / "daemon.log"; }
  fs::path config() const { return dir_ / "newswatch.toml"; }
  void write_config(const std::string& sources) {
    std::ofstream(config()) << "watchlists = [\"watchlists/*.toml\"]\n"
                               "[daemon]\nstate_dir = \"state\"\nlog_level = \"debug\"\n"
                               "[publish]\nendpoint = \"tcp://127.0.0.1:"
                            << test::free_tcp_port() << "\"\nreplay_endpoint = \"\"\n"
                            << sources;
  }
  std::unique_ptr<test::Child> start() {
    return std::make_unique<test::Child>(test::build_binary("newswatchd"),
                                         std::vector<std::string>{"--config", config().string()},
                                         log(), log());
  }
  // `newswatch status --json`, parsed (null when it failed).
  json status() {
    auto [rc, out] =
        test::run_command(test::build_binary("newswatch").string() + " status --json --config " +
                          config().string() + " 2>/dev/null");
    if (rc != 0) return nullptr;
    return json::parse(out, nullptr, false);
  }
  bool alerts_are(int n) {
    const json s = status();
    return s.is_object() && s["totals"]["alerts"] == n;
  }
  fs::path dir_;
};

TEST_F(RobotsE2E, DisallowedArticlesAreMatchedOnTheirFeedTextAndCrawlDelaySpacesTheRest) {
  test::HttpServer site, other;
  site.set("/robots.txt", {.content_type = "text/plain",
                           .body = "User-agent: *\nDisallow: /\n\n"
                                   "User-agent: newswatch\nDisallow: /news/secret\n"
                                   "Crawl-delay: 1.5\n"});
  Arrivals allowed;
  for (const char* p : {"/news/1", "/news/2", "/news/3"}) site.handle_with(p, allowed.handler());
  site.set("/news/secret", {.body = page()});
  site.set("/feed.xml",
           {.content_type = "application/rss+xml",
            .body = rss(site.url(""), {"/news/1", "/news/2", "/news/3", "/news/secret"})});
  // robots = false: the file (which shuts everyone out) is not read.
  other.set("/robots.txt", {.content_type = "text/plain", .body = "User-agent: *\nDisallow: /\n"});
  other.set("/p/1", {.body = page()});
  other.set("/feed.xml",
            {.content_type = "application/rss+xml", .body = rss(other.url(""), {"/p/1"})});
  write_config("[[source]]\nid = \"site\"\nurl = \"" + site.url("/feed.xml") +
               "\"\ninterval = \"1h\"\n"
               "[[source]]\nid = \"other\"\nurl = \"" +
               other.url("/feed.xml") + "\"\ninterval = \"1h\"\nrobots = false\n");
  auto daemon = start();
  ASSERT_TRUE(test::wait_for([&] { return alerts_are(5); }, 40s, 500ms));
  EXPECT_EQ(site.hits("/robots.txt"), 1);
  EXPECT_EQ(site.hits("/news/secret"), 0);
  EXPECT_EQ(allowed.size(), 3u);
  EXPECT_EQ(other.hits("/robots.txt"), 0);
  EXPECT_EQ(other.hits("/p/1"), 1);
  {
    std::lock_guard lock(allowed.mutex);
    ASSERT_EQ(allowed.at.size(), 3u);
    // The three starts are at least Crawl-delay apart (the server sees a
    // request after the fetcher started it, so allow a little for that).
    EXPECT_GE(allowed.at[2] - allowed.at[0], 2800ms);
  }
  // newswatch sources and status count the disallowed article.
  const json st = status();
  ASSERT_TRUE(st.is_object());
  for (const json& s : st["sources"]) {
    EXPECT_EQ(s["robots_skipped"], s["id"] == "site" ? 1 : 0) << s.dump();
  }
  auto [rc, table] = test::run_command(test::build_binary("newswatch").string() +
                                       " sources --format text --config " + config().string());
  EXPECT_EQ(rc, 0);
  EXPECT_NE(table.find("(robots.txt: 1 article matched on feed text)"), std::string::npos) << table;
  const std::string text = test::read_file(log());
  EXPECT_NE(text.find("source other: robots = false"), std::string::npos);
  EXPECT_NE(text.find("/news/secret is disallowed by robots.txt"), std::string::npos);
  EXPECT_EQ(daemon->stop(), 0);
}

TEST_F(RobotsE2E, ArticlesWaitWhileRobotsTxtFailsAndNoFileMeansAllowed) {
  test::HttpServer site, nofile;
  site.set("/robots.txt", {.status = 503, .body = "busy"});
  site.set("/a", {.body = page()});
  site.set("/feed.xml", {.content_type = "application/rss+xml", .body = rss(site.url(""), {"/a"})});
  nofile.set("/b", {.body = page()});  // its /robots.txt is a 404
  nofile.set("/feed.xml",
             {.content_type = "application/rss+xml", .body = rss(nofile.url(""), {"/b"})});
  write_config("[[source]]\nid = \"site\"\nurl = \"" + site.url("/feed.xml") +
               "\"\ninterval = \"1h\"\n"
               "[[source]]\nid = \"nofile\"\nurl = \"" +
               nofile.url("/feed.xml") + "\"\ninterval = \"1h\"\n");
  auto daemon = start();
  ASSERT_TRUE(test::wait_for([&] { return alerts_are(1); }, 40s, 500ms));
  EXPECT_EQ(nofile.hits("/robots.txt"), 1);
  EXPECT_EQ(nofile.hits("/b"), 1);
  EXPECT_TRUE(test::wait_for([&] { return site.hits("/robots.txt") == 1; }, 10s));
  EXPECT_EQ(site.hits("/a"), 0);  // nothing fetched while the file cannot be had
  EXPECT_TRUE(test::wait_for_text(log(), "no article of that site is fetched", 10s));
  // The item is not lost: it is still pending, and nothing alerted on it.
  EXPECT_TRUE(alerts_are(1));
  EXPECT_EQ(daemon->stop(), 0);
}

}  // namespace
}  // namespace nw
