// The rules page's try box for real: kept articles in a SQLite store, the
// pages and the box on a MetricsServer on 127.0.0.1, POSTs from an HTTP
// client (and a raw socket that goes away): the form, hits rendered like
// alerts and escaped, parse errors, one backtest at a time, the time limit,
// cancel, a client going away, the same-origin check, GET 405.
#include "daemon/web_tryit.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "daemon/metrics_server.h"
#include "feeds/text.h"
#include "filters/matcher.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::chrono::sys_seconds kNow{std::chrono::seconds{1780000000}};

bool has(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return kNow; }
};

TEST(SameOriginRefusal, BrowsersCrossSiteNoCurlAndScriptsYes) {
  struct Case {
    RequestOrigin r;
    bool any_host;
    bool allowed;
    const char* what;
  };
  const std::vector<Case> cases = {
      {{.host = "127.0.0.1:9464"}, false, true, "curl: neither Origin nor Sec-Fetch-Site"},
      {{.host = "127.0.0.1:9464", .origin = "http://127.0.0.1:9464", .fetch_site = "same-origin"},
       false,
       true,
       "the page's own form"},
      {{.host = "localhost:9464", .origin = "HTTP://LocalHost:9464"}, false, true, "case"},
      {{.host = "[::1]:9464", .origin = "http://[::1]:9464"}, false, true, "IPv6"},
      {{.host = "127.0.0.1:9464", .fetch_site = "none"}, false, true, "the user's navigation"},
      {{.host = "127.0.0.1:9464", .origin = "http://evil.example"}, false, false, "other site"},
      {{.host = "127.0.0.1:9464", .origin = "http://127.0.0.1:8080"}, false, false, "other port"},
      {{.host = "127.0.0.1:9464", .origin = "null"}, false, false, "an opaque origin"},
      {{.host = "127.0.0.1:9464", .origin = "null", .fetch_site = "same-origin"},
       false,
       true,
       "Chromium's form POST from a no-referrer page"},
      {{.host = "rebound.example:9464", .fetch_site = "same-origin"},
       false,
       false,
       "same-origin to a rebound name"},
      {{.host = "127.0.0.1:9464", .fetch_site = "cross-site"}, false, false, "Sec-Fetch-Site"},
      {{.host = "127.0.0.1:9464", .fetch_site = "same-site"},
       false,
       false,
       "same site, other port"},
      {{.host = "127.0.0.1:9464", .origin = "http://127.0.0.1:9464", .fetch_site = "cross-site"},
       false,
       false,
       "Sec-Fetch-Site wins"},
      {{.host = "rebound.example:9464", .origin = "http://rebound.example:9464"},
       false,
       false,
       "DNS rebinding: a name that is not loopback"},
      {{.host = "rebound.example:9464", .origin = "http://rebound.example:9464"},
       true,
       true,
       "any_host (auth on): a proxy's name"},
      {{.host = "127.0.0.1:9464",
        .forwarded_host = "news.example.org",
        .origin = "https://news.example.org"},
       true,
       true,
       "behind a proxy that sets X-Forwarded-Host"},
      {{.host = "127.0.0.1:9464", .origin = "https://news.example.org"},
       true,
       false,
       "behind a proxy, the Origin matching nothing"},
      {{}, false, false, "no Host"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(same_origin_refusal(c.r, c.any_host).empty(), c.allowed) << c.what;
  }
}

// Holds a run at its first batch until released; counts batches.
class Gate {
 public:
  void operator()() {
    std::unique_lock lock(mutex_);
    ++batches_;
    changed_.notify_all();
    changed_.wait_for(lock, 20s, [&] { return open_; });
  }
  bool wait_held() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return batches_ > 0; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  int batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int batches_ = 0;
  bool open_ = false;
};

class TryItTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() /
           ("nw_web_tryit_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(dir_);
    auto store = open_sqlite_store(dir_);
    ASSERT_TRUE(store) << store.error().message;
    writer_ = std::move(*store);
  }
  void TearDown() override {
    gate_.open();
    server_.reset();
    tryit_.reset();
    pages_.reset();
    writer_.reset();
    fs::remove_all(dir_);
  }
  void keep(const std::string& key, std::string title, std::string url, std::string text) {
    const KeptArticle a{.source_id = "wire",
                        .item_key = key,
                        .article_key = url,
                        .url = url,
                        .title = std::move(title),
                        .text = std::move(text),
                        .language = "en",
                        .kept = kNow - 1h};
    auto r = writer_->finish_and_keep("wire", key, a.article_key, {}, a);
    ASSERT_TRUE(r) << r.error().message;
  }
  void keep_quakes(int n) {
    for (int i = 0; i < n; ++i) {
      keep("q" + std::to_string(i), "Quake " + std::to_string(i),
           "https://news.example/q" + std::to_string(i), "An earthquake hit the coast.");
    }
  }
  void serve(TryIt::Options options = {}) {
    auto ro = open_sqlite_store(dir_, OpenMode::kReadOnly);
    ASSERT_TRUE(ro) << ro.error().message;
    pages_ = std::make_unique<WebPages>(std::move(*ro), clock_);
    auto ro2 = open_sqlite_store(dir_, OpenMode::kReadOnly);
    ASSERT_TRUE(ro2) << ro2.error().message;
    options.metrics = &metrics_;
    tryit_ = std::make_unique<TryIt>(std::move(*ro2), *pages_, clock_, std::move(options));
    std::vector<HttpRoutes> routes = {[this](httplib::Server& s) { pages_->install(s); },
                                      [this](httplib::Server& s) { tryit_->install(s); }};
    auto started = MetricsServer::start("127.0.0.1:0", metrics_, std::move(routes));
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
  }
  // A browser's same-origin POST of a form (Origin and Sec-Fetch-Site as Chromium sends them).
  httplib::Result post(const std::string& path, const httplib::Params& form,
                       httplib::Headers headers = {}) {
    httplib::Client client("http://" + server_->endpoint());
    client.set_read_timeout(30, 0);
    if (headers.empty()) {
      headers = {{"Origin", "http://" + server_->endpoint()}, {"Sec-Fetch-Site", "same-origin"}};
    }
    return client.Post(path.c_str(), headers, form);
  }
  httplib::Result post_json(const std::string& path, const std::string& body) {
    httplib::Client client("http://" + server_->endpoint());
    client.set_read_timeout(30, 0);
    return client.Post(path.c_str(), body, "application/json");
  }
  std::string metric(const std::string& series) {
    const std::string text = metrics_.render();
    const auto at = text.find(series + " ");
    if (at == std::string::npos) return "";
    return text.substr(at + series.size() + 1, text.find('\n', at) - at - series.size() - 1);
  }
  int port() const {
    const std::string e = server_->endpoint();
    return std::stoi(e.substr(e.rfind(':') + 1));
  }

  fs::path dir_;
  std::unique_ptr<Store> writer_;
  FixedClock clock_;
  Metrics metrics_;
  Gate gate_;
  std::unique_ptr<WebPages> pages_;  // outlive the server
  std::unique_ptr<TryIt> tryit_;
  std::unique_ptr<MetricsServer> server_;
};

TEST_F(TryItTest, RulesPageHasTheFormThatPostsWithoutJavaScript) {
  serve();
  httplib::Client client("http://" + server_->endpoint());
  auto r = client.Get("/rules");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string& html = r->body;
  EXPECT_TRUE(has(html,
                  "<form class=\"try-form\" id=\"try-form\" method=\"post\" "
                  "action=\"/rules/try\">"))
      << html;
  EXPECT_TRUE(has(html,
                  "<textarea id=\"try-query\" name=\"query\" rows=\"3\" dir=\"auto\" "
                  "required></textarea>"));
  EXPECT_TRUE(has(html, "<option value=\"7d\" selected>7d</option>")) << "the default window";
  EXPECT_TRUE(has(html, "<button type=\"submit\" id=\"try-run\">Try</button>"));
  EXPECT_TRUE(has(html, "formaction=\"/rules/try/cancel\"")) << "Cancel works without JS too";
  EXPECT_TRUE(has(html, "<script src=\"/app.js\"></script>"));
  EXPECT_FALSE(has(html, "id=\"try-summary\"")) << "nothing ran yet";
  auto js = client.Get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_TRUE(has(js->body, "getElementById(\"try-form\")"));
  EXPECT_TRUE(has(js->body, "/api/backtest/cancel"));
}

TEST_F(TryItTest, HitsRenderLikeAlertsEscapedWithTheMatchedWordsMarked) {
  keep("hostile", "<script>alert(1)</script> Earthquake & \"x\"\xE2\x80\xAE", "javascript:alert(1)",
       "An <b>earthquake</b> hit the coast.");
  keep("plain", "Earthquake shakes the coast", "https://news.example/quake?a=1&b=2",
       "The earthquake was felt inland.");
  keep("other", "Talks in Cairo", "https://news.example/cairo", "Nothing shook.");
  serve();
  const std::string query = "earthquake OR \"</textarea><script>alert(2)</script>\"";
  auto r = post("/rules/try", {{"query", query}, {"since", "7d"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy").substr(0, 18), "default-src 'none'");
  const std::string& html = r->body;
  EXPECT_TRUE(has(html, "2 hits in 3 articles kept in the last 7d (")) << html;
  EXPECT_FALSE(has(html, "<script>alert")) << html;
  EXPECT_FALSE(has(html, "</textarea><script>")) << html;
  EXPECT_TRUE(has(html,
                  ">earthquake OR &quot;&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/"
                  "script&gt;&quot;</textarea>"))
      << "the form keeps the query, escaped";
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(1)&lt;/script&gt; Earthquake &amp; &quot;x&quot;"))
      << html;
  EXPECT_FALSE(has(html, "\xE2\x80\xAE")) << "bidi override dropped";
  EXPECT_FALSE(has(html, "href=\"javascript:")) << html;
  EXPECT_TRUE(has(html,
                  "<a href=\"https://news.example/quake?a=1&amp;b=2\">Earthquake shakes "
                  "the coast</a>"))
      << html;
  EXPECT_TRUE(has(html,
                  "<p class=\"snippet\" dir=\"auto\"><mark>Earthquake</mark> shakes the "
                  "coast</p>"))
      << "the snippet around the first match, the title's" << html;
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Earthquake</mark> &amp;"));
  EXPECT_FALSE(has(html, "/?watchlist=")) << "a query of no watchlist: no topic links";
  EXPECT_TRUE(has(html, "<a href=\"/?source=wire\" dir=\"auto\">wire</a>"));
  EXPECT_TRUE(has(html,
                  "<time datetime=\"2026-05-28T19:26:40Z\" title=\"2026-05-28T19:26:40Z\">"
                  "1 h ago</time>"))
      << html;
  EXPECT_FALSE(has(html, "Cairo</a>")) << "the article that does not match";
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"done\"}"), "1");

  // The same as JSON, from curl (no Origin, no Sec-Fetch-Site), a form or a JSON body.
  httplib::Client curl("http://" + server_->endpoint());
  auto j =
      curl.Post("/api/backtest", "query=earthquake&since=24h", "application/x-www-form-urlencoded");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->status, 200) << j->body;
  EXPECT_EQ(j->get_header_value("Content-Type"), "application/json");
  auto got = nlohmann::json::parse(j->body);
  EXPECT_EQ(got["searched"], 3);
  EXPECT_EQ(got["since"], "24h");
  EXPECT_TRUE(got["stopped"].is_null());
  ASSERT_EQ(got["hits"].size(), 2u);
  EXPECT_EQ(got["hits"][0]["title"], "<script>alert(1)</script> Earthquake & \"x\"\xE2\x80\xAE")
      << "JSON carries the text as it was; the pages escape it";
  EXPECT_EQ(got["hits"][1]["url"], "https://news.example/quake?a=1&b=2");
  EXPECT_EQ(got["hits"][1]["matched"][0], "Earthquake");
  EXPECT_EQ(got["hits"][1]["watchlist"], "");
  auto body = post_json("/api/backtest", R"({"query": "Cairo", "since": "30d"})");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->status, 200) << body->body;
  auto cairo = nlohmann::json::parse(body->body);
  ASSERT_EQ(cairo["hits"].size(), 1u);
  EXPECT_EQ(cairo["hits"][0]["title"], "Talks in Cairo");
  EXPECT_EQ(post_json("/api/backtest", R"({"query": 5})")->status, 400);
  EXPECT_EQ(post_json("/api/backtest", "not json")->status, 400);
  EXPECT_EQ(post_json("/api/backtest", R"({"query": "x", "since": "soon"})")->status, 400);
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"done\"}"), "3");
}

TEST_F(TryItTest, AQueryThatDoesNotParseSaysWhereAsTheCliDoesEscaped) {
  serve();
  const std::string query = "earthquake AND (<script>";
  const std::vector<Watchlist> lists = {
      {.name = "try",
       .file = "query",
       .rules = {{.id = "query",
                  .query = query,
                  .query_pos = {.file = "query", .line = 1, .column = 1}}}}};
  auto compiled = Matcher::compile(lists);
  ASSERT_FALSE(compiled);
  const std::string expected = compiled.error().message;
  ASSERT_TRUE(expected.starts_with("query:1:")) << expected;

  auto r = post("/rules/try", {{"query", query}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(has(r->body, "<script>")) << r->body;
  EXPECT_TRUE(has(r->body, "<pre class=\"try-error\">" + escape_html(expected) + "</pre>"))
      << r->body;
  EXPECT_FALSE(has(r->body, "id=\"try-summary\""));
  auto j = post("/api/backtest", {{"query", query}});
  ASSERT_TRUE(j);
  EXPECT_EQ(j->status, 400);
  EXPECT_EQ(nlohmann::json::parse(j->body)["error"], expected);
  EXPECT_EQ(post("/api/backtest", {{"query", "  "}})->status, 400) << "no query";
  EXPECT_EQ(post("/api/backtest", {{"query", std::string(5000, 'a')}})->status, 400);
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"done\"}"), "") << "none ran";
}

TEST_F(TryItTest, OneBacktestAtATimeTheSecondIsRefusedBusy) {
  keep_quakes(3);
  serve({.batch = 1, .on_batch = std::ref(gate_)});
  auto first = std::async(std::launch::async, [&] {
    return post("/api/backtest", {{"query", "earthquake"}});
  });
  ASSERT_TRUE(gate_.wait_held());
  EXPECT_TRUE(tryit_->running());
  auto second = post("/rules/try", {{"query", "coast"}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(second->get_header_value("Retry-After"), "2");
  EXPECT_TRUE(has(second->body,
                  "A backtest is running already (one at a time): wait for it, or "
                  "cancel it."))
      << second->body;
  EXPECT_TRUE(has(second->body, ">coast</textarea>")) << "the form keeps the query";
  auto third = post("/api/backtest", {{"query", "coast"}});
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 429);
  EXPECT_TRUE(has(nlohmann::json::parse(third->body)["error"].get<std::string>(), "running"));
  EXPECT_EQ(metric("newswatch_web_backtests_refused_total{reason=\"busy\"}"), "2");
  gate_.open();
  auto done = first.get();
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, 200);
  EXPECT_EQ(nlohmann::json::parse(done->body)["hits"].size(), 3u);
  EXPECT_FALSE(tryit_->running());
  EXPECT_EQ(post("/api/backtest", {{"query", "coast"}})->status, 200) << "free again";
}

TEST_F(TryItTest, ATimeLimitOrTheMostHitsStopsItWithTheHitsSoFar) {
  keep_quakes(5);
  serve({.time_limit = 0ms, .batch = 2});
  auto r = post("/rules/try", {{"query", "earthquake"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(has(r->body, "2 hits in 2 articles kept")) << "one batch, then the limit";
  EXPECT_TRUE(has(r->body,
                  "<p class=\"try-stopped\">Stopped after 0 s (the time limit): these "
                  "are the hits so far.</p>"))
      << r->body;
  auto j = nlohmann::json::parse(post("/api/backtest", {{"query", "earthquake"}})->body);
  EXPECT_EQ(j["stopped"], "time_limit");
  EXPECT_EQ(j["searched"], 2);
  EXPECT_EQ(j["hits"].size(), 2u);
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"time_limit\"}"), "2");

  server_.reset();
  serve({.max_hits = 3, .batch = 2});
  auto most = nlohmann::json::parse(post("/api/backtest", {{"query", "earthquake"}})->body);
  EXPECT_EQ(most["stopped"], "hit_limit");
  EXPECT_EQ(most["hits"].size(), 3u);
  EXPECT_EQ(most["message"], "Stopped at 3 hits (the most shown): narrow the query or the time.");
}

TEST_F(TryItTest, ACancelRequestStopsTheRunningOne) {
  keep_quakes(5);
  serve({.batch = 1, .on_batch = std::ref(gate_)});
  EXPECT_EQ(nlohmann::json::parse(post("/api/backtest/cancel", {})->body)["cancelled"], false)
      << "nothing runs";
  auto running = std::async(std::launch::async, [&] {
    return post("/rules/try", {{"query", "earthquake"}});
  });
  ASSERT_TRUE(gate_.wait_held());
  auto cancel = post("/api/backtest/cancel", {});
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->status, 200);
  EXPECT_EQ(nlohmann::json::parse(cancel->body)["cancelled"], true);
  gate_.open();
  auto r = running.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(has(r->body, "1 hit in 1 articles kept")) << r->body;
  EXPECT_TRUE(has(r->body, "Cancelled: these are the hits so far.")) << r->body;
  EXPECT_EQ(gate_.batches(), 1);
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"cancelled\"}"), "1");

  // The form's Cancel button without JavaScript: the rules page, its form kept.
  auto page = post("/rules/try/cancel", {{"query", "earthquake"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(has(page->body, "No backtest was running.")) << page->body;
  EXPECT_TRUE(has(page->body, ">earthquake</textarea>"));
}

TEST_F(TryItTest, AClientThatGoesAwayStopsIt) {
  keep_quakes(400);
  serve({.batch = 1, .beat = 0ms, .on_batch = std::ref(gate_)});
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string body = "query=earthquake";
  const std::string request =
      "POST /api/backtest HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  ASSERT_TRUE(gate_.wait_held());
  ::close(fd);  // unread answer bytes: the kernel resets the connection
  gate_.open();
  ASSERT_TRUE(test::wait_for(
      [&] { return metric("newswatch_web_backtests_total{outcome=\"disconnected\"}") == "1"; },
      10s))
      << metrics_.render();
  EXPECT_FALSE(tryit_->running());
  EXPECT_LT(gate_.batches(), 400) << "stopped before the end of the window";
  EXPECT_EQ(post("/api/backtest", {{"query", "nothing"}})->status, 200) << "free again";
}

TEST_F(TryItTest, CrossOriginPostsAreRefusedAndGetIsNotAllowed) {
  keep_quakes(1);
  serve();
  for (const char* path :
       {"/rules/try", "/api/backtest", "/rules/try/cancel", "/api/backtest/cancel"}) {
    auto evil = post(path, {{"query", "earthquake"}}, {{"Origin", "http://evil.example"}});
    ASSERT_TRUE(evil) << path;
    EXPECT_EQ(evil->status, 403) << path;
    EXPECT_TRUE(has(evil->body, "another origin")) << evil->body;
    EXPECT_FALSE(has(evil->body, "Quake 0")) << path;
    auto site = post(path, {{"query", "earthquake"}}, {{"Sec-Fetch-Site", "cross-site"}});
    ASSERT_TRUE(site);
    EXPECT_EQ(site->status, 403) << path;
    httplib::Client client("http://" + server_->endpoint());
    auto get = client.Get(std::string(path) + "?query=earthquake");
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 405) << path;
    EXPECT_EQ(get->get_header_value("Allow"), "POST");
  }
  auto rebound = post("/api/backtest", {{"query", "earthquake"}},
                      {{"Host", "rebound.example:" + std::to_string(port())},
                       {"Origin", "http://rebound.example:" + std::to_string(port())}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403) << "DNS rebinding: " << rebound->body;
  EXPECT_EQ(metric("newswatch_web_backtests_refused_total{reason=\"origin\"}"), "5")
      << "the runs refused (cancels are not counted)";
  EXPECT_EQ(metric("newswatch_web_backtests_total{outcome=\"done\"}"), "") << "none ran";
  auto mine = post("/api/backtest", {{"query", "earthquake"}});
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200) << "the page's own origin";
}

}  // namespace
}  // namespace nw
