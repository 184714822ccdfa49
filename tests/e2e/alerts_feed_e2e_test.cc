// The daemon's Atom feed of alerts, end to end: the real newswatchd polls a
// local site, records alerts of two watchlists (one article's title is
// hostile), and serves /alerts.atom on its HTTP endpoint. The feed is read with
// a second, independent Atom reader (Debian's python3-feedparser) and with our
// own `newswatch parse-feed`; filtered by topic and severity; answered 304 for
// the same ETag.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/process.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

std::string page(const std::string& title, const std::string& words) {
  std::string p;
  for (int k = 0; k < 3; ++k) {
    p += "<p>" + words +
         ". وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في البلاد والتنسيق "
         "المشترك بين الجانبين في الملفات الأمنية والسياسية.</p>";
  }
  return "<html lang=\"ar\"><head><title>" + title + "</title></head><body><article><h1>" + title +
         "</h1>" + p + "</article></body></html>";
}

// Python feedparser's view of an Atom document, as JSON.
constexpr const char* kFeedparser = R"(import feedparser, json, sys
d = feedparser.parse(sys.stdin.buffer.read())
print(json.dumps({"bozo": int(d.bozo), "version": d.version, "title": d.feed.get("title"),
  "entries": [{"id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
               "summary": e.get("summary"), "updated": e.get("updated"),
               "tags": sorted(t["term"] for t in e.get("tags", []))} for e in d.entries]}))
)";

class AlertsFeedE2E : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("alerts_feed_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_ / "watchlists");
    std::ofstream(dir_ / "watchlists" / "libya.toml")
        << "name = \"libya\"\n[[rule]]\nid = \"haftar-cairo\"\nquery = 'حفتر AND القاهرة'\n"
           "severity = \"high\"\ntags = [\"libya\"]\n";
    std::ofstream(dir_ / "watchlists" / "egypt.toml")
        << "name = \"egypt\"\n[[rule]]\nid = \"sisi\"\nquery = 'السيسي'\n";
    const std::pair<std::string, std::string> articles[] = {
        {"حفتر في القاهرة", "وصل المشير حفتر إلى القاهرة"},
        {"<script>alert(1)</script> & حفتر", "التقى حفتر في القاهرة بالمسؤولين"},
        {"السيسي يستقبل وفدا", "استقبل الرئيس السيسي وفدا"}};
    std::string rss = R"(<rss version="2.0"><channel><title>T</title>)";
    for (std::size_t i = 0; i < std::size(articles); ++i) {
      const std::string path = "/a/" + std::to_string(i);
      std::string escaped = articles[i].first;
      for (auto [from, to] : {std::pair{"&", "&amp;"}, std::pair{"<", "&lt;"}}) {
        for (std::size_t p = 0; (p = escaped.find(from, p)) != std::string::npos; p += 4) {
          escaped.replace(p, 1, to);
        }
      }
      server_.set(path, {.body = page(escaped, articles[i].second)});
      rss += "<item><guid>" + std::to_string(i) + "</guid><title>" + escaped + "</title><link>" +
             server_.url(path) + "</link></item>";
    }
    server_.set("/feed.xml",
                {.content_type = "application/rss+xml", .body = rss + "</channel></rss>"});
    metrics_port_ = test::free_tcp_port();
    std::ofstream(dir_ / "newswatch.toml")
        << "watchlists = [\"watchlists/*.toml\"]\n[daemon]\nstate_dir = \"state\"\n"
           "[publish]\nendpoint = \"tcp://127.0.0.1:"
        << test::free_tcp_port()
        << "\"\nreplay_endpoint = \"\"\n[metrics]\nendpoint = \"127.0.0.1:" << metrics_port_
        << "\"\n[[source]]\nid = \"site\"\nurl = \"" << server_.url("/feed.xml")
        << "\"\ninterval = \"1s\"\n";
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- newswatchd log ----\n" << test::read_file(dir_ / "log");
    fs::remove_all(dir_);
  }
  httplib::Result get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client client("127.0.0.1", metrics_port_);
    return client.Get(path, headers);
  }
  json feedparser(const std::string& body) {
    std::ofstream(dir_ / "feed.atom", std::ios::binary) << body;
    std::ofstream(dir_ / "read.py") << kFeedparser;
    auto [status, out] = test::run_command("/usr/bin/python3 " + (dir_ / "read.py").string() +
                                           " < " + (dir_ / "feed.atom").string());
    EXPECT_EQ(status, 0) << out;
    return json::parse(out);
  }

  fs::path dir_;
  test::HttpServer server_;
  int metrics_port_ = 0;
};

TEST_F(AlertsFeedE2E, FeedReadersFollowAWatchlist) {
  if (std::system("/usr/bin/python3 -c 'import feedparser' 2>/dev/null") != 0) {
    GTEST_SKIP() << "/usr/bin/python3 with feedparser (Debian python3-feedparser, installed by "
                    ".ci/deps) missing";
  }
  test::Child daemon(test::build_binary("newswatchd"),
                     {"--config", (dir_ / "newswatch.toml").string()}, dir_ / "log", dir_ / "log");
  ASSERT_TRUE(test::wait_for(
      [&] {
        auto r = get("/alerts.atom");
        return r && r->status == 200 && feedparser(r->body)["entries"].size() == 3u;
      },
      30s));

  auto all = get("/alerts.atom");
  EXPECT_EQ(all->get_header_value("Content-Type"), "application/atom+xml; charset=utf-8");
  const json feed = feedparser(all->body);
  EXPECT_EQ(feed["bozo"], 0) << all->body;
  EXPECT_EQ(feed["version"], "atom10");
  EXPECT_EQ(feed["title"], "newswatch alerts: all topics");
  std::set<std::string> titles;
  for (const json& e : feed["entries"]) {
    titles.insert(e["title"].get<std::string>());
    EXPECT_TRUE(e["id"].get<std::string>().starts_with("urn:newswatch:alert:")) << e;
    EXPECT_TRUE(e["link"].get<std::string>().starts_with(server_.url("/a/"))) << e;
  }
  EXPECT_EQ(titles, (std::set<std::string>{"حفتر في القاهرة", "<script>alert(1)</script> & حفتر",
                                           "السيسي يستقبل وفدا"}))
      << "a hostile title is text, not markup";
  EXPECT_EQ(all->body.find("<script>"), std::string::npos);

  // Filtered by topic prefix, then by severity.
  const json libya = feedparser(get("/alerts.atom?topic=libya/")->body);
  ASSERT_EQ(libya["entries"].size(), 2u);
  EXPECT_EQ(libya["title"], "newswatch alerts: libya/");
  for (const json& e : libya["entries"]) {
    EXPECT_EQ(e["tags"], json({"high", "libya", "libya", "libya/haftar-cairo"})) << e;
  }
  EXPECT_EQ(feedparser(get("/alerts.atom?topic=egypt/")->body)["entries"].size(), 1u);
  EXPECT_EQ(feedparser(get("/alerts.atom?severity=high")->body)["entries"].size(), 2u);
  EXPECT_EQ(feedparser(get("/alerts.atom?topic=none/")->body)["entries"].size(), 0u);

  // The same bytes, the same ETag: 304 without a body.
  const std::string etag = all->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = get("/alerts.atom", {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(get("/alerts.atom?topic=libya/", {{"If-None-Match", etag}})->status, 200)
      << "another query, other bytes";

  // Our own reader agrees.
  std::ofstream(dir_ / "feed.atom", std::ios::binary) << all->body;
  auto [status, out] = test::run_command(test::build_binary("newswatch").string() + " parse-feed " +
                                         (dir_ / "feed.atom").string());
  ASSERT_EQ(status, 0) << out;
  const json ours = json::parse(out.substr(out.find('{')));
  ASSERT_EQ(ours["entries"].size(), 3u) << out;
  EXPECT_EQ(ours["entries"][0]["title"], feed["entries"][0]["title"]);
  EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
}  // namespace nw
