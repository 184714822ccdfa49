// The analyst's pages: what each page shows of hostile and Arabic alerts, and
// the pages for real over 127.0.0.1 from a SQLite store (status, headers,
// filters, the JSON API, a story, 404s).
#include "daemon/web_pages.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/metrics.h"
#include "daemon/metrics_server.h"
#include "daemon/web_events.h"
#include "tests/support/sse_reader.h"
#include "tests/support/wait.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

constexpr sys_seconds kFetched{std::chrono::seconds{1780000000}};  // 2026-05-28T20:26:40Z

Alert alert(std::string title, std::string url) {
  Alert a;
  a.seq = 7;
  a.id = "00000000000000aa";
  a.watchlist = "libya";
  a.rule = "haftar-cairo";
  a.source = "alrasifa";
  a.url = std::move(url);
  a.title = std::move(title);
  a.fetched = kFetched;
  a.matched = {"حفتر", "Cairo"};
  a.snippet = "وصل المشير حفتر إلى القاهرة, arriving in cairo today";
  a.severity = "high";
  a.tags = {"libya", "a&b"};
  a.story = "9b1c0000000000ff";
  a.story_size = 5;
  a.story_sources = 4;
  return a;
}

bool has(const std::string& html, std::string_view what) {
  return html.find(what) != std::string::npos;
}

TEST(WebPages, HostileTitlesAndLinksRenderAsText) {
  const std::string hostile =
      "<script>alert(1)</script> \"Q\" & 'x' \xE2\x80\xAE"
      "evil\xE2\x81\xA6!";
  const std::vector<Alert> alerts = {alert(hostile, "javascript:alert(1)"),
                                     alert("data", "DATA:text/html,<b>x</b>")};
  const std::string html = render_alerts_page(alerts, {}, kFetched + 4min);
  EXPECT_FALSE(has(html, "<script>")) << html;
  EXPECT_TRUE(
      has(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; &#39;x&#39; evil!"))
      << html;
  EXPECT_FALSE(has(html, "\xE2\x80\xAE")) << "bidi override dropped";
  EXPECT_FALSE(has(html, "\xE2\x81\xA6")) << "bidi isolate dropped";
  EXPECT_FALSE(has(html, "href=\"javascript:")) << html;
  EXPECT_FALSE(has(html, "href=\"DATA:")) << html;
  EXPECT_TRUE(has(html, "javascript:alert(1)")) << "shown as text";
  EXPECT_TRUE(has(html, "DATA:text/html,&lt;b&gt;x&lt;/b&gt;")) << html;
  EXPECT_TRUE(has(html, "href=\"/?tag=a%26b\"")) << "filter links are URL-encoded";
}

TEST(WebPages, AlertShowsLinkTimeSeverityStoryAndHighlightedSnippet) {
  const std::vector<Alert> alerts = {alert("حفتر في القاهرة", "https://a.example/x?a=1&b=\"2\"")};
  const std::string html = render_alerts_page(alerts, {}, kFetched + 4min + 10s);
  EXPECT_TRUE(
      has(html, "<a href=\"https://a.example/x?a=1&amp;b=&quot;2&quot;\">حفتر في القاهرة</a>"))
      << html;
  EXPECT_TRUE(has(html, "<h2 dir=\"auto\">")) << html;
  EXPECT_TRUE(has(html,
                  "<p class=\"snippet\" dir=\"auto\">وصل المشير <mark>حفتر</mark> إلى "
                  "القاهرة, arriving in <mark>cairo</mark> today</p>"))
      << html;
  EXPECT_TRUE(has(html,
                  "<time datetime=\"2026-05-28T20:26:40Z\" title=\"2026-05-28T20:26:40Z\">4 "
                  "min ago</time>"))
      << html;
  EXPECT_TRUE(has(html, "<span class=\"severity\">high</span>")) << html;
  EXPECT_TRUE(has(html, "<a class=\"story\" href=\"/story/9b1c0000000000ff\">+3 outlets</a>"))
      << html;
  EXPECT_TRUE(has(html, "<a href=\"/?source=alrasifa\" dir=\"auto\">alrasifa</a>")) << html;
  Alert two = alerts[0], alone = alerts[0];
  two.story_sources = 2;
  alone.story_sources = 1;
  EXPECT_TRUE(has(render_alerts_page(std::vector{two}, {}, kFetched), ">+1 outlet</a>"));
  EXPECT_TRUE(has(render_alerts_page(std::vector{alone}, {}, kFetched), ">story</a>"));
  EXPECT_FALSE(has(html, "Older alerts"));
  EXPECT_TRUE(has(render_alerts_page(alerts, {.source = "a b"}, kFetched, 7),
                  "<a href=\"/?source=a%20b&amp;before=7\">Older alerts</a>"));
}

TEST(WebPages, FilterValuesAreEscapedInTheForm) {
  const std::string html = render_alerts_page({}, {.text = "\"><script>x</script>"}, kFetched);
  EXPECT_FALSE(has(html, "<script>")) << html;
  EXPECT_TRUE(has(html, "value=\"&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"")) << html;
  EXPECT_TRUE(has(html, "No alerts match these filters.")) << html;
}

TEST(WebPages, HighlightCutsAtTheLongestMatchIgnoringLatinCase) {
  const std::vector<std::string> words = {"Haftar", "haftar in cairo", "القاهرة"};
  EXPECT_EQ(highlight("HAFTAR IN CAIRO, then Haftar; القاهرة.", words),
            (std::vector<SnippetPart>{{"HAFTAR IN CAIRO", true},
                                      {", then ", false},
                                      {"Haftar", true},
                                      {"; ", false},
                                      {"القاهرة", true},
                                      {".", false}}));
  EXPECT_EQ(highlight("nothing", words), (std::vector<SnippetPart>{{"nothing", false}}));
  EXPECT_EQ(highlight("", words), std::vector<SnippetPart>{});
  EXPECT_EQ(highlight("x", std::vector<std::string>{""}), (std::vector<SnippetPart>{{"x", false}}));
}

TEST(WebPages, SmallParts) {
  EXPECT_EQ(strip_bidi_controls("a\xE2\x80\xAA"
                                "b\xE2\x80\xAE"
                                "c\xE2\x81\xA9"
                                "d\xE2\x80\x8F"
                                "e"),
            "abcd\xE2\x80\x8F"
            "e")
      << "RLM (U+200F) is no control that reorders; it stays";
  EXPECT_TRUE(web_link("HTTPS://x"));
  EXPECT_TRUE(web_link("http://x"));
  EXPECT_FALSE(web_link("javascript:alert(1)"));
  EXPECT_FALSE(web_link(" http://x"));
  EXPECT_FALSE(web_link("//x"));
  EXPECT_EQ(relative_time(kFetched, kFetched + 59s), "just now");
  EXPECT_EQ(relative_time(kFetched, kFetched - 1h), "just now");
  EXPECT_EQ(relative_time(kFetched, kFetched + 4min), "4 min ago");
  EXPECT_EQ(relative_time(kFetched, kFetched + 3h + 5min), "3 h ago");
  EXPECT_EQ(relative_time(kFetched, kFetched + 24h), "1 day ago");
  EXPECT_EQ(relative_time(kFetched, kFetched + 72h), "3 days ago");

  Alert a = alert("Haftar arrives", "https://a.example/1");
  EXPECT_TRUE(alert_matches(a, {}));
  EXPECT_TRUE(alert_matches(a, {.watchlist = "libya",
                                .rule = "haftar-cairo",
                                .severity = "high",
                                .source = "alrasifa",
                                .tag = "a&b",
                                .text = "ARRIVES"}));
  EXPECT_TRUE(alert_matches(a, {.text = "المشير"}));
  EXPECT_FALSE(alert_matches(a, {.rule = "haftar"})) << "a rule is matched whole";
  EXPECT_FALSE(alert_matches(a, {.severity = "low"}));
  EXPECT_FALSE(alert_matches(a, {.tag = "egypt"}));
  EXPECT_FALSE(alert_matches(a, {.text = "tripoli"}));
  EXPECT_FALSE(alert_matches(a, {.before = 7}));
  EXPECT_TRUE(alert_matches(a, {.before = 8}));
}

TEST(WebPages, StoryPageAndApiJson) {
  const std::vector<Alert> alerts = {alert("<b>one</b>", "https://a.example/1")};
  const std::string html = render_story_page("9b1c0000000000ff", alerts, kFetched);
  EXPECT_TRUE(has(html, "Story <code>9b1c0000000000ff</code>"));
  EXPECT_TRUE(has(html, "1 alert, oldest first."));
  EXPECT_TRUE(has(html, "&lt;b&gt;one&lt;/b&gt;"));
  const std::vector<RecordedAlert> recorded = {
      {.seq = 7, .topic = "libya/haftar-cairo", .json = to_json(alerts[0])},
      {.seq = 8, .topic = "x/y", .json = "not json"}};
  auto j = nlohmann::json::parse(alerts_api_json(recorded));
  ASSERT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["alerts"][0]["title"], "<b>one</b>");
  EXPECT_EQ(alerts_api_json(std::span(recorded).first(1)),
            "{\"alerts\":[" + recorded[0].json + "]}")
      << "the recorded bytes, keys in their order";
}

class FixedClock final : public Clock {
 public:
  TimePoint now() const override { return kFetched + 10min; }
};

// The pages for real: a SQLite store with recorded alerts, the pages on a
// MetricsServer, read with an HTTP client.
class WebPagesHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() /
           ("nw_web_pages_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(dir_);
    auto store = open_sqlite_store(dir_);
    ASSERT_TRUE(store) << store.error().message;
    writer_ = std::move(*store);
  }
  void TearDown() override {
    server_.reset();
    events_.reset();
    pages_.reset();
    writer_.reset();
    fs::remove_all(dir_);
  }
  void record(std::string key, std::vector<Alert> alerts, std::string story) {
    auto r = writer_->finish_item(
        "alrasifa", key, "https://a.example/" + key, std::move(alerts),
        StoryArticle{.story = story, .signature = std::string(240, 'x'), .seen = kFetched});
    ASSERT_TRUE(r) << r.error().message;
  }
  // With `events`: /events too, on its own read-only connection.
  void serve(std::optional<AlertEvents::Options> events = std::nullopt) {
    auto ro = open_sqlite_store(dir_, OpenMode::kReadOnly);
    ASSERT_TRUE(ro) << ro.error().message;
    pages_ = std::make_unique<WebPages>(std::move(*ro), clock_);
    std::vector<HttpRoutes> routes = {[this](httplib::Server& s) { pages_->install(s); }};
    if (events) {
      auto ro2 = open_sqlite_store(dir_, OpenMode::kReadOnly);
      ASSERT_TRUE(ro2) << ro2.error().message;
      events->metrics = &metrics_;
      events_ = std::make_unique<AlertEvents>(std::move(*ro2), *events);
      routes.push_back([this](httplib::Server& s) { events_->install(s); });
    }
    auto started = MetricsServer::start("127.0.0.1:0", metrics_, std::move(routes));
    ASSERT_TRUE(started) << started.error().message;
    server_ = std::move(*started);
  }
  httplib::Result get(const std::string& path) {
    httplib::Client client("http://" + server_->endpoint());
    return client.Get(path);
  }
  int port() const {
    const std::string e = server_->endpoint();
    return std::stoi(e.substr(e.rfind(':') + 1));
  }

  fs::path dir_;
  std::unique_ptr<Store> writer_;
  FixedClock clock_;
  Metrics metrics_;
  std::unique_ptr<WebPages> pages_;      // outlives the server
  std::unique_ptr<AlertEvents> events_;  // the same
  std::unique_ptr<MetricsServer> server_;
};

Alert hit(std::string watchlist, std::string rule, std::string title, std::string severity) {
  Alert a = alert(std::move(title), "https://a.example/" + rule);
  a.watchlist = std::move(watchlist);
  a.rule = std::move(rule);
  a.severity = std::move(severity);
  a.story.clear();
  a.story_size = 0;
  a.id = alert_id(a.watchlist, a.rule, a.title);
  return a;
}

void expect_security_headers(const httplib::Result& r, const std::string& path) {
  ASSERT_TRUE(r) << path;
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"),
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
            "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
      << path;
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
  EXPECT_EQ(r->get_header_value("Referrer-Policy"), "no-referrer") << path;
}

TEST_F(WebPagesHttpTest, PagesFiltersApiAndStories) {
  record("1", {hit("libya", "haftar", "First <i>Haftar</i>", "high")}, "s1");
  record("2", {hit("libya", "cairo", "Second in Cairo", "low")}, "s1");
  record("3", {hit("egypt", "sisi", "Third: Sisi", "")}, "s2");
  serve();

  auto page = get("/");
  expect_security_headers(page, "/");
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string& body = page->body;
  const auto third = body.find("Third: Sisi"), second = body.find("Second in Cairo"),
             first = body.find("First &lt;i&gt;Haftar&lt;/i&gt;");
  ASSERT_NE(first, std::string::npos) << body;
  EXPECT_TRUE(third < second && second < first) << "newest first";
  EXPECT_TRUE(has(body,
                  "<time datetime=\"2026-05-28T20:26:40Z\" title=\"2026-05-28T20:26:40Z\">10 "
                  "min ago</time>"));
  EXPECT_TRUE(has(body, "href=\"/story/s1\">story</a>")) << "one source: no other outlet";

  auto only = [&](const std::string& query) {
    auto r = get("/?" + query);
    EXPECT_TRUE(r && r->status == 200) << query;
    std::vector<std::string> titles;
    for (const char* t : {"Third", "Second", "First"}) {
      if (r && has(r->body, std::string(t))) titles.push_back(t);
    }
    return titles;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(only("watchlist=libya"), (V{"Second", "First"}));
  EXPECT_EQ(only("watchlist=libya&rule=haftar"), (V{"First"}));
  EXPECT_EQ(only("rule=sisi"), (V{"Third"}));
  EXPECT_EQ(only("severity=low"), (V{"Second"}));
  EXPECT_EQ(only("source=alrasifa"), (V{"Third", "Second", "First"}));
  EXPECT_EQ(only("source=bbc"), V{});
  EXPECT_EQ(only("tag=libya"), (V{"Third", "Second", "First"}));
  EXPECT_EQ(only("text=SECOND"), (V{"Second"}));
  EXPECT_EQ(only("text=cairo"), (V{"Third", "Second", "First"})) << "in every snippet";
  EXPECT_EQ(only("text=%3Ci%3E"), (V{"First"}));
  EXPECT_EQ(only("before=3"), (V{"Second", "First"}));
  EXPECT_EQ(get("/?before=x")->status, 400);

  auto css = get("/static/newswatch.css");
  expect_security_headers(css, "css");
  EXPECT_EQ(css->status, 200);
  EXPECT_EQ(css->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_TRUE(has(css->body, "mark {"));
  for (const char* icon : {"/favicon.svg", "/favicon.ico"}) {
    auto got = get(icon);
    EXPECT_EQ(got->status, 200) << icon << ": browsers ask for it on every page";
    EXPECT_EQ(got->get_header_value("Content-Type"), "image/svg+xml") << icon;
    EXPECT_TRUE(got->body.starts_with("<svg ")) << icon;
  }

  auto story = get("/story/s1");
  expect_security_headers(story, "story");
  EXPECT_EQ(story->status, 200);
  EXPECT_TRUE(has(story->body, "2 alerts, oldest first."));
  EXPECT_LT(story->body.find("First"), story->body.find("Second")) << "seq order";
  EXPECT_FALSE(has(story->body, "Third"));
  auto no_story = get("/story/nope");
  expect_security_headers(no_story, "no story");
  EXPECT_EQ(no_story->status, 404);
  auto hostile_story = get("/story/%3Cscript%3Ealert(1)%22%26");
  ASSERT_TRUE(hostile_story);
  EXPECT_EQ(hostile_story->status, 404);
  EXPECT_FALSE(has(hostile_story->body, "<script>")) << hostile_story->body;
  EXPECT_TRUE(has(hostile_story->body, "No story &lt;script&gt;alert(1)&quot;&amp;"))
      << hostile_story->body;

  auto api = get("/api/alerts");
  expect_security_headers(api, "api");
  EXPECT_EQ(api->status, 200);
  EXPECT_EQ(api->get_header_value("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(api->body);
  ASSERT_EQ(j["alerts"].size(), 3u);
  EXPECT_EQ(j["alerts"][0]["seq"], 1);
  EXPECT_EQ(j["alerts"][0]["title"], "First <i>Haftar</i>");
  EXPECT_EQ(j["alerts"][2]["seq"], 3);
  j = nlohmann::json::parse(get("/api/alerts?since=1&topic=libya/&limit=5")->body);
  ASSERT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["alerts"][0]["seq"], 2);
  j = nlohmann::json::parse(get("/api/alerts?limit=2")->body);
  ASSERT_EQ(j["alerts"].size(), 2u);
  EXPECT_EQ(j["alerts"][0]["seq"], 2) << "the newest two, in seq order";
  EXPECT_EQ(get("/api/alerts?since=-1")->status, 400);
  EXPECT_EQ(get("/api/alerts?limit=0")->status, 400);

  auto unknown = get("/nothing-here");
  expect_security_headers(unknown, "unknown path");
  EXPECT_EQ(unknown->status, 404);
  expect_security_headers(get("/metrics"), "metrics");
}

TEST_F(WebPagesHttpTest, ALongFilteredListPagesBackWithAnOlderLink) {
  for (int i = 0; i < 130; ++i) {
    record("k" + std::to_string(i),
           {hit("libya", "r" + std::to_string(i), "Title " + std::to_string(i), "high")},
           "s" + std::to_string(i));
  }
  serve();
  auto r = get("/?severity=high");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(r->body, "Title 129<")) << "the newest";
  EXPECT_FALSE(has(r->body, "Title 29<")) << "the 101st is on the next page";
  EXPECT_TRUE(has(r->body, "<a href=\"/?severity=high&amp;before=31\">Older alerts</a>"))
      << r->body;
  r = get("/?severity=high&before=31");
  ASSERT_TRUE(r);
  EXPECT_TRUE(has(r->body, "Title 29<"));
  EXPECT_TRUE(has(r->body, "Title 0<"));
  EXPECT_FALSE(has(r->body, "Older alerts"));
}

const std::string kHostile =
    "<script>alert(1)</script> \"Q\" & \xE2\x80\xAE"
    "evil";

TEST(WebPages, SourcesPageDrawsTheDaysPollsByHour) {
  const std::chrono::sys_seconds hour{1'700'006'400s};  // 2023-11-15 00:00 UTC
  SourceStatus s{.id = "alrasifa", .url = "https://a.example/feed", .polled = true};
  for (int i = 0; i < 3; ++i) s.state.polls.record(hour + 1min * i, true);
  s.state.polls.record(hour + 5min, false);
  s.state.polls.record(hour + 2h, true);
  StatusReport r;
  r.sources = {s, SourceStatus{.id = "bbc", .url = "https://b.example/"}};
  const std::string html = render_sources_page(r, hour + 3h + 10min);
  EXPECT_TRUE(has(html, "aria-label=\"5 polls in 24 h, 1 failed\"")) << html;
  // 00:00 is 3 hours before now's hour (x = 20 * 4); the busiest hour fills 20 px.
  EXPECT_TRUE(has(html,
                  "<g><title>00:00 UTC: 3 ok, 1 failed</title><rect class=\"ok\" x=\"80\" "
                  "y=\"5\" width=\"3\" height=\"15\"/><rect class=\"failed\" x=\"80\" "
                  "y=\"0\" width=\"3\" height=\"5\"/></g>"))
      << html;
  EXPECT_TRUE(has(html, "<title>02:00 UTC: 1 ok, 0 failed</title><rect class=\"ok\" x=\"88\""));
  EXPECT_TRUE(has(html, "aria-label=\"0 polls in 24 h, 0 failed\"")) << "bbc: no bars";
  const auto day_later = render_sources_page(r, hour + 25h);
  EXPECT_FALSE(has(day_later, "00:00 UTC")) << "a day on, that hour is gone";

  auto j = nlohmann::json::parse(status_json(r));
  const auto& polls = j["sources"][0]["polls_by_hour"];
  EXPECT_EQ(polls["last_hour"], "2023-11-15T02:00:00Z");
  EXPECT_EQ(polls["ok"][21], 3);
  EXPECT_EQ(polls["failed"][21], 1);
  EXPECT_EQ(polls["ok"][23], 1);
  EXPECT_TRUE(j["sources"][1]["polls_by_hour"].is_null());
}

TEST(WebPages, SourcesAndHealthPagesEscapeWhatSitesSaid) {
  StatusReport r;
  SourceStatus s{.id = "alrasifa", .url = "javascript:alert(1)"};
  s.polled = true;
  s.state.consecutive_failures = 2;
  s.state.last_error = kHostile;
  s.state.last_success = kFetched;
  s.state.next_poll = kFetched + 15min;
  s.counts = {.items = 12, .alerts = 3, .robots_skipped = 1};
  r.sources = {s, SourceStatus{.id = "bbc", .url = "https://b.example/"}};
  r.failing = 1;
  r.waiting = 1;
  r.items = 12;
  r.alerts = 3;
  r.log.last_seq = 9;
  r.last_alert = alert(kHostile, "https://a.example/1");
  const std::string html = render_sources_page(r, kFetched + 3h);
  EXPECT_FALSE(has(html, "<script>")) << html;
  EXPECT_FALSE(has(html, "\xE2\x80\xAE"));
  EXPECT_FALSE(has(html, "href=\"javascript:")) << "a source URL is text";
  EXPECT_TRUE(has(html, "<tr class=\"source failing\" data-source=\"alrasifa\">")) << html;
  EXPECT_TRUE(has(html, "<tr class=\"source waiting\" data-source=\"bbc\">")) << html;
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &amp; evil"));
  EXPECT_TRUE(has(html, ">3h ago</time>")) << html;
  EXPECT_TRUE(has(html, "<td>now</td>")) << "next poll passed";
  EXPECT_TRUE(has(html, "(robots.txt: 1 matched on feed text)"));
  EXPECT_TRUE(has(html, "2 sources: 0 ok, 1 failing, 1 not polled yet; 12 items; 3 alerts kept."));
  EXPECT_TRUE(has(html, "<a href=\"/sources\" aria-current=\"page\">Sources</a>"));

  const std::string health = render_health_page(
      r, {.pending_items = 4, .resident_bytes = 3 << 20, .live_streams = 2}, kFetched + 4min);
  EXPECT_FALSE(has(health, "<script>")) << health;
  EXPECT_TRUE(
      has(health,
          "<dd id=\"health-failing\" class=\"bad\">1 of 2 <a href=\"/sources\">alrasifa</a></dd>"))
      << health;
  EXPECT_TRUE(has(health, "<dd id=\"health-pending\">4</dd>"));
  EXPECT_TRUE(has(health, "<dd id=\"health-memory\">3.0 MiB</dd>"));
  EXPECT_TRUE(has(health, "<dd id=\"health-streams\">2</dd>"));
  EXPECT_TRUE(has(health, ">4 min ago</time> #7 <span dir=\"auto\">libya/haftar-cairo</span>"));
  EXPECT_TRUE(has(health, "<a href=\"/metrics\">/metrics</a>"));
}

TEST(WebPages, RulesPageShowsQueriesOptionsWarningsAndCounts) {
  Rule r{.id = "haftar", .query = "Haftar and <b>\"Cairo\"</b> & x"};
  r.severity = "high";
  r.once_per_story = true;
  r.min_sources = 3;
  r.within = 6h;
  Rule quiet{.id = "sisi", .query = "Sisi"};
  const std::vector<Watchlist> lists = {
      {.name = "libya", .file = "w/libya.toml", .rules = {r, quiet}}};
  const std::map<std::string, std::uint64_t, std::less<>> day = {{"libya/haftar", 2}},
                                                          week = {{"libya/haftar", 5},
                                                                  {"libya/sisi", 1}};
  const RuleRows selected = rule_rows(lists, {}, day, week);
  const auto& rows = selected.rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].alerts_day, 2u);
  EXPECT_EQ(rows[0].alerts_week, 5u);
  EXPECT_EQ(rows[1].alerts_day, 0u);
  ASSERT_EQ(rows[0].warnings.size(), 1u) << "lower-case 'and'";
  EXPECT_TRUE(has(rows[0].warnings[0], "did you mean AND?")) << rows[0].warnings[0];
  EXPECT_TRUE(rows[1].warnings.empty());
  const std::string html = render_rules_page(selected, {});
  EXPECT_FALSE(has(html, "<b>")) << html;
  EXPECT_TRUE(has(html,
                  "<code class=\"query\" dir=\"auto\">Haftar and "
                  "&lt;b&gt;&quot;Cairo&quot;&lt;/b&gt; &amp; x</code>"))
      << html;
  EXPECT_TRUE(has(html, "<tr class=\"rule warned\" data-rule=\"haftar\">"));
  EXPECT_TRUE(has(html, "<tr class=\"rule\" data-rule=\"sisi\">"));
  EXPECT_TRUE(has(html, "<span class=\"option\">min_sources 3 within 6h</span>")) << html;
  EXPECT_TRUE(has(html, "<span class=\"option\">once_per_story</span>"));
  EXPECT_TRUE(has(html, "<td class=\"num\">2</td><td class=\"num\">5</td>"));
  EXPECT_TRUE(has(html, "2 rules in 1 watchlists. <a href=\"/api/rules\">JSON</a>")) << html;
  EXPECT_FALSE(has(html, "Next ")) << "one page holds them";
  auto j = nlohmann::json::parse(rules_api_json(selected, {}));
  EXPECT_EQ(j["matched"], 2);
  EXPECT_TRUE(j["next"].is_null());
  ASSERT_EQ(j["watchlists"].size(), 1u);
  EXPECT_EQ(j["watchlists"][0]["rules"][0]["query"], r.query);
  EXPECT_EQ(j["watchlists"][0]["rules"][0]["alerts_7d"], 5);
  EXPECT_EQ(j["watchlists"][0]["rules"][0]["min_sources"], 3);
  EXPECT_EQ(j["watchlists"][0]["rules"][1]["warnings"].size(), 0u);
}

TEST(WebPages, RulesPagesGoThroughManyRulesAPageAtATime) {
  std::vector<Watchlist> lists(3);
  for (int w = 0; w < 3; ++w) {
    lists[w].name = "list" + std::to_string(w);
    for (int i = 0; i < 150; ++i)
      lists[w].rules.push_back(
          {.id = "r" + std::to_string(i), .query = "term" + std::to_string(i)});
  }
  lists[2].rules[149].query = "Haftar and Cairo";  // the last rule: checked only on its page
  const std::map<std::string, std::uint64_t, std::less<>> none;
  auto ids = [](const RuleRows& r) {
    std::vector<std::string> out;
    for (const RuleRow& row : r.rows) out.push_back(row.watchlist + "/" + row.rule.id);
    return out;
  };
  const RuleRows first = rule_rows(lists, {}, none, none);
  ASSERT_EQ(first.rows.size(), RuleSelection::kPage);
  EXPECT_EQ(first.matched, 450u);
  EXPECT_EQ(first.rules, 450u);
  EXPECT_EQ(ids(first).back(), "list1/r49") << "pages run across watchlists";
  const std::string html = render_rules_page(first, {});
  EXPECT_TRUE(has(html, "450 rules in 3 watchlists. Showing 1–200 of 450.")) << html;
  EXPECT_TRUE(has(html, "<a href=\"/rules?from=200\">Next 200 rules</a>")) << html;

  const RuleRows last = rule_rows(lists, {.from = 400}, none, none);
  ASSERT_EQ(last.rows.size(), 50u);
  EXPECT_EQ(ids(last).front(), "list2/r100");
  ASSERT_EQ(last.rows.back().warnings.size(), 1u) << "warnings of the page's rules";
  EXPECT_FALSE(has(render_rules_page(last, {.from = 400}), "Next "));
  EXPECT_TRUE(nlohmann::json::parse(rules_api_json(last, {.from = 400}))["next"].is_null());

  const RuleSelection one{.watchlist = "list1", .from = 100, .limit = 30};
  const RuleRows in_one = rule_rows(lists, one, none, none);
  EXPECT_EQ(in_one.matched, 150u);
  EXPECT_EQ(ids(in_one).front(), "list1/r100");
  EXPECT_EQ(ids(in_one).back(), "list1/r129");
  const std::string one_html = render_rules_page(in_one, one);
  EXPECT_TRUE(has(one_html, "Showing 101–130 of 150 in <span dir=\"auto\">list1</span>"))
      << one_html;
  EXPECT_TRUE(has(one_html, "href=\"/rules?watchlist=list1&amp;from=130\">Next 30 rules</a>"))
      << one_html;
  EXPECT_TRUE(has(one_html, "<a href=\"/api/rules?watchlist=list1\">JSON</a>"));
  auto j = nlohmann::json::parse(rules_api_json(in_one, one));
  EXPECT_EQ(j["next"], 130);
  EXPECT_EQ(j["from"], 100);
  EXPECT_EQ(j["watchlists"][0]["rules"].size(), 30u);
  EXPECT_TRUE(rule_rows(lists, {.watchlist = "nope"}, none, none).rows.empty());
}

TEST(WebPages, AlertEventBytes) {
  EXPECT_EQ(alert_event({.seq = 42, .topic = "a/b", .json = "{\"seq\":42}"}),
            "id: 42\nevent: alert\ndata: {\"seq\":42}\n\n");
  EXPECT_EQ(alert_event({.seq = 1, .topic = "a/b", .json = "{\n1\r\n}"}),
            "id: 1\nevent: alert\ndata: {\ndata: 1\ndata: \ndata: }\n\n")
      << "a line break cannot end the event early";
}

TEST(WebPages, AlertsListIsLiveOnlyUnfilteredAndScriptIsExternal) {
  std::vector<Alert> alerts = {alert("Haftar", "https://a.example/1")};
  alerts[0].seq = 12;
  const std::string html = render_alerts_page(alerts, {}, kFetched);
  EXPECT_TRUE(has(html, "<ol class=\"alerts\" id=\"alerts\" data-live=\"1\" data-after=\"12\">"))
      << html;
  EXPECT_TRUE(has(html, "<li class=\"alert sev-high\" data-seq=\"12\">")) << html;
  EXPECT_TRUE(has(html, "<p id=\"live-status\" class=\"live-status\" role=\"status\" hidden>"));
  EXPECT_TRUE(has(html, "<script src=\"/app.js\"></script>"));
  EXPECT_FALSE(has(html, "<script>")) << "no inline script: the CSP forbids it";
  EXPECT_TRUE(has(html, "<a href=\"/\" aria-current=\"page\">Alerts</a>")) << html;
  EXPECT_TRUE(has(html, "<a href=\"/sources\">Sources</a>"));
  EXPECT_TRUE(has(render_alerts_page(alerts, {.severity = "high"}, kFetched), "data-live=\"0\""));
  EXPECT_TRUE(has(render_alerts_page(alerts, {.before = 12}, kFetched), "data-live=\"0\""))
      << "an older page stays as it is";
  alerts[0].story_sources = 1;
  EXPECT_TRUE(has(render_alerts_page(alerts, {}, kFetched), "\">story</a>"));
}

// The SSE stream for real: alerts recorded after the stream opened arrive;
// Last-Event-ID and ?after= resume from the store; heartbeats; the limit.
TEST_F(WebPagesHttpTest, EventsStreamNewAlertsResumeAndLimit) {
  record("1", {hit("libya", "r1", "One", "high")}, "s1");
  record("2", {hit("libya", "r2", "Two", "high")}, "s2");
  serve(AlertEvents::Options{.poll = 20ms, .heartbeat = 100ms, .max_streams = 3, .backlog = 2});

  auto js = get("/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_TRUE(has(js->body, "new EventSource(\"/events?after=\""));
  expect_security_headers(js, "app.js");

  test::SseReader live(port(), "/events");
  ASSERT_TRUE(
      test::wait_for([&] { return has(live.text(), ": newswatch live alerts after 2\n"); }, 5s))
      << live.text();
  EXPECT_EQ(live.status(), 200);
  EXPECT_TRUE(has(live.headers(), "Content-Type: text/event-stream")) << live.headers();
  EXPECT_TRUE(has(live.headers(), "Content-Security-Policy:")) << live.headers();
  record("3", {hit("libya", "r3", "Three", "high")}, "s3");
  ASSERT_TRUE(test::wait_for([&] { return has(live.text(), "id: 3\nevent: alert\ndata: {"); }, 5s))
      << live.text();
  EXPECT_FALSE(has(live.text(), "id: 2\n")) << "a new stream starts at the newest alert";
  EXPECT_TRUE(has(live.text(), "\"title\":\"Three\"")) << live.text();
  ASSERT_TRUE(test::wait_for([&] { return has(live.text(), ": heartbeat\n\n"); }, 5s));

  // Resumed from further back than memory (backlog 2) holds: read from the store.
  for (int i = 4; i <= 6; ++i) {
    const std::string n = std::to_string(i);
    record(n, {hit("libya", "r" + n, "Alert " + n, "high")}, "s" + n);
  }
  ASSERT_TRUE(test::wait_for([&] { return events_->head() == 6; }, 5s));
  test::SseReader resumed(port(), "/events", {"Last-Event-ID: 1"});
  ASSERT_TRUE(test::wait_for([&] { return has(resumed.text(), "id: 6\n"); }, 5s)) << resumed.text();
  const std::string r = resumed.text();
  EXPECT_FALSE(has(r, "id: 1\n"));
  EXPECT_LT(r.find("id: 2\n"), r.find("id: 3\n"));
  EXPECT_LT(r.find("id: 5\n"), r.find("id: 6\n"));
  test::SseReader after(port(), "/events?after=5");
  ASSERT_TRUE(test::wait_for([&] { return has(after.text(), "id: 6\n"); }, 5s));
  EXPECT_FALSE(has(after.text(), "id: 5\n"));

  // Three open: the fourth is refused and counted.
  ASSERT_TRUE(test::wait_for([&] { return events_->streams() == 3; }, 5s));
  auto refused = get("/events");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "10");
  EXPECT_TRUE(has(metrics_.render(), "newswatch_web_streams_refused_total 1\n"));
  EXPECT_TRUE(has(metrics_.render(), "newswatch_web_streams 3\n"));
  EXPECT_EQ(get("/events?after=x")->status, 400);
}

TEST_F(WebPagesHttpTest, SourcesRulesHealthAndTheirJson) {
  record("1", {hit("libya", "haftar", "One", "high")}, "s1");
  record("2", {hit("libya", "haftar", "Two", "high")}, "s1");
  serve();
  auto none = get("/rules");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 200);
  EXPECT_TRUE(has(none->body, "0 rules in 0 watchlists.")) << "nothing set yet";
  auto running = std::make_shared<WebPages::Running>();
  running->sources = {SourceConfig{.id = "alrasifa", .url = "https://a.example/feed"}};
  running->watchlists = std::make_shared<const std::vector<Watchlist>>(std::vector<Watchlist>{
      {.name = "libya", .rules = {Rule{.id = "haftar", .query = "Haftar"}}}});
  pages_->set_running(running);

  for (const char* path : {"/sources", "/rules", "/health"}) {
    auto r = get(path);
    expect_security_headers(r, path);
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_TRUE(has(r->body, "<nav class=\"nav\" id=\"nav\">")) << path;
  }
  EXPECT_TRUE(has(get("/sources")->body, "data-source=\"alrasifa\""));
  EXPECT_TRUE(has(get("/health")->body, "<dd id=\"health-alerts\">2 (last seq 2)</dd>"));
  auto sources = nlohmann::json::parse(get("/api/sources")->body);
  ASSERT_EQ(sources["sources"].size(), 1u);
  EXPECT_EQ(sources["sources"][0]["alerts"], 2);
  EXPECT_EQ(sources["totals"]["last_seq"], 2);
  auto rules = nlohmann::json::parse(get("/api/rules")->body);
  EXPECT_EQ(rules["watchlists"][0]["rules"][0]["id"], "haftar");
  EXPECT_EQ(rules["watchlists"][0]["rules"][0]["alerts_24h"], 2) << "recorded just now";

  // The warnings are those of the rules loaded now: after a reload, the new ones'.
  auto warned = std::make_shared<WebPages::Running>(*running);
  warned->watchlists = std::make_shared<const std::vector<Watchlist>>(std::vector<Watchlist>{
      {.name = "libya", .rules = {Rule{.id = "haftar", .query = "Haftar and Cairo"}}}});
  pages_->set_running(warned);
  EXPECT_TRUE(has(get("/rules")->body, "did you mean AND?"));
  EXPECT_EQ(nlohmann::json::parse(get("/api/rules?limit=1&from=0")->body)["matched"], 1);
  EXPECT_EQ(get("/api/rules?limit=0")->status, 400);
  EXPECT_EQ(get("/rules?from=x")->status, 400);
  auto mended = std::make_shared<WebPages::Running>(*running);
  mended->watchlists = std::make_shared<const std::vector<Watchlist>>(std::vector<Watchlist>{
      {.name = "libya", .rules = {Rule{.id = "haftar", .query = "Haftar AND Cairo"}}}});
  pages_->set_running(mended);
  EXPECT_FALSE(has(get("/rules")->body, "did you mean AND?")) << "reloaded: not the old warning";

  auto stories = get("/api/stories?since=300d");
  ASSERT_TRUE(stories);
  EXPECT_EQ(stories->get_header_value("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(stories->body);
  ASSERT_EQ(j["stories"].size(), 1u) << stories->body;
  EXPECT_EQ(j["stories"][0]["story"], "s1");
  EXPECT_EQ(j["stories"][0]["articles"], 2);
  EXPECT_EQ(get("/api/stories?since=soon")->status, 400);
  EXPECT_EQ(get("/api/stories?limit=0")->status, 400);
}

}  // namespace
}  // namespace nw
