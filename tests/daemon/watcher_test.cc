// The pipeline's logic over fake time, a fake network and a fake publisher, with
// the real store (SQLite in a temp dir), extractor and matcher.
#include "daemon/watcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "feeds/curl_fetcher.h"
#include "feeds/feed_parser.h"
#include "tests/support/fakes.h"
#include "tests/support/files.h"
#include "tests/support/http_server.h"
#include "tests/support/log_capture.h"

namespace nw {
namespace {

using namespace std::chrono_literals;
using test::FakeClock;
using test::FakeFetcher;
using test::FakePublisher;

std::string rss(const std::vector<std::tuple<std::string, std::string, std::string>>& items) {
  std::string s =
      R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>)";
  for (const auto& [guid, title, link] : items) {
    s += "<item><guid>" + guid + "</guid><title>" + title + "</title><link>" + link +
         "</link><description>" + title +
         "</description><pubDate>Wed, 03 Jun 2020 09:15:00 GMT</pubDate></item>";
  }
  return s + "</channel></rss>";
}

std::string page(const std::string& title, const std::string& body) {
  std::string paragraphs;
  for (int i = 0; i < 3; ++i) {
    paragraphs += "<p>" + body +
                  " وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في البلاد "
                  "والتنسيق المشترك بين الجانبين في الملفات الأمنية والسياسية.</p>";
  }
  return "<html lang=\"ar\"><head><title>" + title +
         " | موقع</title></head><body>"
         "<nav><a href=\"/\">الرئيسية</a></nav><article><h1>" +
         title + "</h1>" + paragraphs +
         "</article><footer>جميع الحقوق محفوظة</footer></body></html>";
}

class WatcherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("watcher_test_" + std::to_string(std::random_device{}()));
    Watchlist w{.name = "libya", .file = "libya.toml"};
    w.rules.push_back(Rule{.id = "haftar-cairo",
                           .query = "حفتر AND القاهرة",
                           .query_pos = {"libya.toml", 3, 10},
                           .severity = "high",
                           .tags = {"libya", "egypt"}});
    w.rules.push_back(
        Rule{.id = "mercenaries", .query = "تركيا AND مرتزقة", .query_pos = {"libya.toml", 6, 10}});
    auto m = Matcher::compile(std::span(&w, 1));
    ASSERT_TRUE(m) << m.error().message;
    matcher_ = *m;
    open();
    answers();
  }
  void answers() {
    fetcher_.answer_page(kFeed,
                         rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                              {"b", "أخبار الطقس", "http://news.test/b"}}),
                         200, "application/rss+xml");
    fetcher_.answer_page(
        "http://news.test/a",
        page("حفتر يصل القاهرة", "وصل المشير خليفة حفتر إلى القاهرة للقاء المسؤولين."));
    fetcher_.answer_page("http://news.test/b",
                         page("أخبار الطقس", "طقس معتدل في معظم المناطق مع رياح خفيفة."));
  }
  void TearDown() override {
    watcher_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    watcher_.reset();
    delivery_.reset();
    store_.reset();
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    delivery_ = std::make_unique<Delivery>(*store_, publisher_, clock_, DeliveryOptions{});
    watcher_ = std::make_unique<Watcher>(fetcher_, *store_, *delivery_, clock_, WatcherOptions{});
    if (matcher_) watcher_->set_matcher(matcher_);
  }
  // A fixed 60s interval (min = max): these tests count polls. Adaptive
  // polling has its own tests.
  void sources(bool backlog = true, bool realert_on_edit = false) {
    watcher_->set_sources({SourceConfig{.id = "feed",
                                        .url = kFeed,
                                        .interval = 60s,
                                        .backlog = backlog,
                                        .min_interval = 60s,
                                        .max_interval = 60s,
                                        .realert_on_edit = realert_on_edit}});
  }
  SourceState state(const std::string& id = "feed") {
    auto st = store_->source(id);
    EXPECT_TRUE(st.has_value()) << st.error().message;
    return st ? *st : SourceState{};
  }
  // Runs the loop for `total` of fake time in steps.
  void run_for(std::chrono::milliseconds total, std::chrono::milliseconds step = 500ms) {
    for (auto t = 0ms; t <= total; t += step) {
      watcher_->tick();
      fetcher_.run(0ms);
      watcher_->tick();
      delivery_->tick();
      clock_.advance(step);
    }
  }

  static constexpr const char* kFeed = "http://news.test/feed.xml";
  std::filesystem::path dir_;
  FakeClock clock_;
  FakeFetcher fetcher_;
  FakePublisher publisher_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Delivery> delivery_;
  std::shared_ptr<const Matcher> matcher_;
  std::unique_ptr<Watcher> watcher_;
};

// The counts behind systemd's status line ("2 sources ok, 1 failing; …"):
// sources polled at least once, by their last poll; a removed source leaves them.
TEST_F(WatcherTest, SourcesSummaryCountsOkAndFailingSourcesAsTheyChange) {
  auto source = [](const std::string& id, const std::string& url) {
    return SourceConfig{.id = id, .url = url, .interval = 60s};
  };
  const std::string down = "http://down.test/feed.xml";  // unknown to the fake: a network error
  watcher_->set_sources({source("feed", kFeed), source("down", down)});
  EXPECT_EQ(watcher_->sources_summary().ok, 0);  // nothing polled yet
  EXPECT_EQ(watcher_->sources_summary().failing, 0);
  run_for(1s);
  EXPECT_EQ(watcher_->sources_summary().ok, 1);
  EXPECT_EQ(watcher_->sources_summary().failing, 1);
  fetcher_.answer_page(down, rss({}), 200, "application/rss+xml");  // it comes back
  run_for(180s);
  EXPECT_EQ(watcher_->sources_summary().ok, 2);
  EXPECT_EQ(watcher_->sources_summary().failing, 0);
  watcher_->set_sources({source("feed", kFeed)});
  EXPECT_EQ(watcher_->sources_summary().ok, 1);
  EXPECT_EQ(watcher_->sources_summary().failing, 0);
}

TEST_F(WatcherTest, KeepsTheTextEveryArticleWasMatchedOnWhenAskedTo) {
  watcher_->set_keep_articles(true);
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  auto kept = store_->kept_articles({}, 0, 10);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_EQ(kept->size(), 2u);  // with a hit or without: a backtest may find either
  const KeptArticle& a = (*kept)[0].url == "http://news.test/a" ? (*kept)[0] : (*kept)[1];
  EXPECT_EQ(a.source_id, "feed");
  EXPECT_EQ(a.item_key, "id:a");
  EXPECT_EQ(a.title, publisher_.sent[0].title);
  EXPECT_NE(a.text.find("وصل المشير خليفة حفتر إلى القاهرة"), std::string::npos) << a.text;
  EXPECT_EQ(a.kept, publisher_.sent[0].fetched);
}

TEST_F(WatcherTest, KeepsNoTextWhenKeepArticlesIsOff) {
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  auto kept = store_->kept_articles({}, 0, 10);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  EXPECT_TRUE(kept->empty());
}

// newswatch_alert_delay_seconds: one observation per article that alerted
// (b matches nothing), from its fetch completing to its alerts being sent.
TEST_F(WatcherTest, MetricsTimeEachAlertingArticleFromFetchToPublish) {
  Metrics metrics;
  watcher_ = std::make_unique<Watcher>(fetcher_, *store_, *delivery_, clock_,
                                       WatcherOptions{.metrics = &metrics});
  watcher_->set_matcher(matcher_);
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("newswatch_alert_delay_seconds_count 1\n"), std::string::npos) << text;
  // Real time on this fake pipeline: well under the largest bound.
  EXPECT_NE(text.find("newswatch_alert_delay_seconds_bucket{le=\"5\"} 1\n"), std::string::npos)
      << text;
  // Both articles are long enough to be held by the story index.
  EXPECT_NE(text.find("newswatch_story_articles 2\n"), std::string::npos) << text;
}

TEST_F(WatcherTest, AlertsOncePerRuleAndArticle) {
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  const Alert& a = publisher_.sent[0];
  EXPECT_EQ(a.seq, 1u);
  EXPECT_EQ(a.topic(), "libya/haftar-cairo");
  EXPECT_EQ(a.source, "feed");
  EXPECT_EQ(a.url, "http://news.test/a");
  EXPECT_EQ(a.title, "حفتر يصل القاهرة");
  ASSERT_TRUE(a.published);
  EXPECT_EQ(format_utc(*a.published), "2020-06-03T09:15:00Z");
  EXPECT_FALSE(a.snippet.empty());
  EXPECT_NE(std::find(a.matched.begin(), a.matched.end(), "حفتر"), a.matched.end());

  run_for(300s, 5s);  // several more polls
  EXPECT_EQ(publisher_.sent.size(), 1u);
  EXPECT_GE(fetcher_.count(kFeed), 4);
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 1);
}

// The rule's severity and tags and the stable id travel from the watchlist
// through the matcher and the store to the bytes a subscriber receives.
TEST_F(WatcherTest, PublishedBytesCarryRuleMetadataAndStableId) {
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.records.size(), 1u);
  const RecordedAlert& r = publisher_.records[0];
  EXPECT_EQ(r.topic, "libya/haftar-cairo");
  const std::string id = alert_id("libya", "haftar-cairo", "http://news.test/a");
  EXPECT_TRUE(r.json.starts_with(R"({"v":1,"id":")" + id + R"(","seq":1,)")) << r.json;
  EXPECT_NE(r.json.find(R"("severity":"high","tags":["libya","egypt"])"), std::string::npos)
      << r.json;
  // The replayed bytes are the live bytes.
  auto replayed = store_->alerts_since(0, "libya/", 10);
  ASSERT_TRUE(replayed && replayed->size() == 1u);
  EXPECT_EQ((*replayed)[0].json, r.json);
  // A rule without metadata has none in its alerts.
  EXPECT_TRUE(store_->alerts_since(0, "libya/mercenaries", 10)->empty());
}

TEST_F(WatcherTest, AlertsArePublishedWhenRecordedAndHeartbeatsCarryTheLastSeq) {
  sources();
  watcher_->tick();
  fetcher_.run(0ms);  // the feed, then the article
  fetcher_.run(0ms);
  watcher_->tick();  // the loop's next turn records it and publishes at once
  EXPECT_EQ(publisher_.sent.size(), 1u);
  delivery_->tick();
  ASSERT_FALSE(publisher_.heartbeats.empty());
  EXPECT_NE(publisher_.heartbeats.back().find(R"("seq":1,)"), std::string::npos)
      << publisher_.heartbeats.back();
  const std::size_t beats = publisher_.heartbeats.size();
  clock_.advance(2s);
  delivery_->tick();
  EXPECT_EQ(publisher_.heartbeats.size(), beats);  // not due yet (every 5s)
  clock_.advance(3s);
  delivery_->tick();
  EXPECT_EQ(publisher_.heartbeats.size(), beats + 1);
}

TEST_F(WatcherTest, NewItemAlertsWithNextSeq) {
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  fetcher_.answer_page(kFeed, rss({{"c", "مرتزقة", "http://news.test/c"},
                                   {"a", "حفتر يصل القاهرة", "http://news.test/a"}}));
  fetcher_.answer_page("http://news.test/c",
                       page("تركيا ترسل مرتزقة", "أرسلت تركيا مرتزقة سوريين إلى ليبيا."));
  run_for(70s, 5s);
  ASSERT_EQ(publisher_.sent.size(), 2u);
  EXPECT_EQ(publisher_.sent[1].rule, "mercenaries");
  EXPECT_EQ(publisher_.sent[1].seq, 2u);
}

TEST_F(WatcherTest, BacklogOffSkipsItemsPresentAtFirstSight) {
  sources(/*backlog=*/false);
  run_for(2s);
  EXPECT_TRUE(publisher_.sent.empty());
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 0);
  fetcher_.answer_page(kFeed, rss({{"d", "حفتر في القاهرة مجددا", "http://news.test/d"}}));
  fetcher_.answer_page("http://news.test/d",
                       page("حفتر في القاهرة مجددا", "عاد حفتر إلى القاهرة."));
  run_for(70s, 5s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].url, "http://news.test/d");
}

TEST_F(WatcherTest, SendsValidatorsAndTreats304AsNothingNew) {
  fetcher_.answer(kFeed,
                  FetchResponse{.status = 200,
                                .url = kFeed,
                                .content_type = "application/rss+xml",
                                .etag = "\"v1\"",
                                .body = rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"}})});
  sources();
  run_for(130s, 5s);
  ASSERT_GE(fetcher_.requests.size(), 3u);
  EXPECT_EQ(fetcher_.requests.front().etag, "");
  EXPECT_EQ(fetcher_.requests.back().etag, "\"v1\"");
  EXPECT_EQ(publisher_.sent.size(), 1u);
}

TEST_F(WatcherTest, FailingSourceBacksOffAndRecovers) {
  fetcher_.answer(kFeed,
                  fail(Errc::kNetwork, "GET http://news.test/feed.xml: Could not resolve host"));
  sources();
  run_for(600s, 5s);
  // interval 60s; backoff 60, 120, 240 (+-20%): at most 5 polls in 10 minutes, not 10.
  EXPECT_LE(fetcher_.count(kFeed), 5);
  EXPECT_GE(fetcher_.count(kFeed), 3);
  auto state = store_->source("feed");
  ASSERT_TRUE(state);
  EXPECT_GE(state->consecutive_failures, 3);
  EXPECT_NE(state->last_error.find("Could not resolve host"), std::string::npos);
  EXPECT_TRUE(publisher_.sent.empty());

  fetcher_.answer_page(kFeed, rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"}}));
  run_for(1200s, 5s);
  EXPECT_EQ(publisher_.sent.size(), 1u);
  state = store_->source("feed");
  EXPECT_EQ(state->consecutive_failures, 0);
  EXPECT_TRUE(state->last_error.empty());
}

// A feed cut off mid-document: the complete items before the cut are used (the
// alert is raised) and the poll succeeds, but the source shows it is degraded
// until a whole document comes back.
TEST_F(WatcherTest, TruncatedFeedKeepsItsItemsAndIsMarkedDegraded) {
  const std::string whole =
      rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"}, {"b", "second", "http://news.test/b"}});
  fetcher_.answer_page(kFeed, whole.substr(0, whole.find("<item><guid>b") + 20));
  sources();
  run_for(3s);
  EXPECT_EQ(publisher_.sent.size(), 1u);
  auto state = store_->source("feed");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->consecutive_failures, 0);
  EXPECT_TRUE(state->last_success.has_value());
  EXPECT_NE(state->last_error.find("degraded: recovered from ill-formed XML: XML line 1, column"),
            std::string::npos)
      << state->last_error;

  fetcher_.answer_page(kFeed, whole);
  run_for(120s, 5s);
  state = store_->source("feed");
  EXPECT_TRUE(state->last_error.empty()) << state->last_error;
}

// The operator's log: one info line per poll that changed something (new
// items, a recovery), a warning per failure, nothing at info for a 304 or a
// document with nothing new.
TEST_F(WatcherTest, OneInfoLinePerPollThatChangesSomething) {
  test::LogCapture log;
  fetcher_.answer(kFeed, FetchResponse{.status = 200,
                                       .url = kFeed,
                                       .etag = "\"v1\"",
                                       .body = rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                                    {"b", "أخبار الطقس", "http://news.test/b"}})});
  sources();
  run_for(180s, 5s);  // 200, then 304s
  EXPECT_GE(fetcher_.count(kFeed), 4);
  fetcher_.answer(kFeed, fail(Errc::kNetwork, "GET http://news.test/feed.xml: Connection refused"));
  run_for(60s, 5s);  // one failure at 240 s; the next try is 48..72 s later
  fetcher_.answer_page(kFeed, rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                   {"b", "أخبار الطقس", "http://news.test/b"},
                                   {"c", "أخبار الطقس", "http://news.test/c"}}));
  fetcher_.answer_page("http://news.test/c", page("أخبار الطقس", "طقس حار."));
  run_for(200s, 5s);  // recovery, then 200s with nothing new
  EXPECT_EQ(log.lines("info", "source feed"),
            (std::vector<std::string>{"source feed: 2 new of 2 items",
                                      "source feed: recovered after 1 failure; 1 new of 3 items"}))
      << log.all();
  const auto warnings = log.lines("warning", "source feed");
  ASSERT_EQ(warnings.size(), 1u) << log.all();
  EXPECT_NE(warnings[0].find("Connection refused (failure 1, next poll in "), std::string::npos)
      << warnings[0];
  EXPECT_GE(log.lines("debug", "source feed: not modified").size(), 2u);
  EXPECT_GE(log.lines("debug", "source feed: nothing new in 3 items").size(), 1u);
}

TEST_F(WatcherTest, HonoursRetryAfter) {
  fetcher_.answer(kFeed, FetchResponse{.status = 429, .url = kFeed, .retry_after = 600s});
  sources();
  run_for(500s, 5s);
  EXPECT_EQ(fetcher_.count(kFeed), 1);
  run_for(200s, 5s);
  EXPECT_EQ(fetcher_.count(kFeed), 2);
}

TEST_F(WatcherTest, GoneDisablesTheSource) {
  fetcher_.answer(kFeed, FetchResponse{.status = 410, .url = kFeed});
  sources();
  run_for(600s, 10s);
  EXPECT_EQ(fetcher_.count(kFeed), 1);
  auto state = store_->source("feed");
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->disabled);
  open();  // stays disabled after a restart
  sources();
  run_for(200s, 10s);
  EXPECT_EQ(fetcher_.count(kFeed), 1);
}

TEST_F(WatcherTest, RelativeLinksResolveAgainstContentLocation) {
  fetcher_.answer(kFeed, FetchResponse{.status = 200,
                                       .url = kFeed,
                                       .content_type = "application/rss+xml",
                                       .body = rss({{"r", "حفتر يصل القاهرة", "a"}}),
                                       .content_location = "/ar/news/feed.xml"});
  fetcher_.answer_page(
      "http://news.test/ar/news/a",
      page("حفتر يصل القاهرة", "وصل المشير خليفة حفتر إلى القاهرة للقاء المسؤولين."));
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].url, "http://news.test/ar/news/a");
}

TEST_F(WatcherTest, PermanentRedirectMovesTheSource) {
  const std::string moved = "http://news.test/new-feed.xml";
  fetcher_.answer(kFeed, FetchResponse{.status = 200,
                                       .url = moved,
                                       .content_type = "application/rss+xml",
                                       .body = rss({}),
                                       .moved_to = moved});
  fetcher_.answer_page(moved, rss({}));
  sources();
  run_for(130s, 5s);
  EXPECT_EQ(fetcher_.count(kFeed), 1);
  EXPECT_GE(fetcher_.count(moved), 1);
}

TEST_F(WatcherTest, ArticleFailuresFallBackToFeedTextAfterThreeTries) {
  fetcher_.answer("http://news.test/a", FetchResponse{.status = 500, .url = "http://news.test/a"});
  sources();
  run_for(2s);
  EXPECT_TRUE(publisher_.sent.empty());
  run_for(200s, 5s);
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 3);
  ASSERT_EQ(publisher_.sent.size(), 1u);  // title "حفتر يصل القاهرة" from the feed
  EXPECT_EQ(publisher_.sent[0].rule, "haftar-cairo");
}

TEST_F(WatcherTest, ArticleFailuresThatWillNotPassFallBackToFeedTextAtOnce) {
  struct Case {
    const char* name;
    Result<FetchResponse> answer;
    bool permanent;
  };
  const Case cases[] = {
      {"too large", fail(Errc::kTooLarge, "body larger than 10485760 bytes"), true},
      {"scheme refused", fail(Errc::kUnsupported, "unsupported URL scheme \"ftp\""), true},
      {"bad URL", fail(Errc::kInvalid, "invalid URL"), true},
      {"404", FetchResponse{.status = 404}, true},
      {"410", FetchResponse{.status = 410}, true},
      {"timeout", fail(Errc::kNetwork, "Operation timed out after 30000 milliseconds"), false},
      {"connection refused", fail(Errc::kNetwork, "Couldn't connect to server"), false},
      {"503", FetchResponse{.status = 503}, false},
      {"429", FetchResponse{.status = 429}, false},
  };
  std::vector<SourceConfig> all;
  auto article = [](std::size_t i) { return "http://news.test/article-" + std::to_string(i); };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const std::string feed = "http://news.test/feed-" + std::to_string(i) + ".xml";
    fetcher_.answer_page(feed, rss({{"a", "حفتر يصل القاهرة", article(i)}}), 200,
                         "application/rss+xml");
    Result<FetchResponse> answer = cases[i].answer;
    if (answer) answer->url = article(i);
    fetcher_.answer(article(i), answer);
    all.push_back(SourceConfig{.id = "s" + std::to_string(i),
                               .url = feed,
                               .interval = 60s,
                               .min_interval = 60s,
                               .max_interval = 60s});
  }
  watcher_->set_sources(all);
  auto alerted = [this](const std::string& url) {
    return std::ranges::count(publisher_.sent, url, &Alert::url);
  };
  run_for(2s);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(fetcher_.count(article(i)), 1) << c.name;
    // On the feed's title "حفتر يصل القاهرة" alone, and only once the page is given up.
    EXPECT_EQ(alerted(article(i)), c.permanent ? 1 : 0) << c.name;
  }
  run_for(300s, 5s);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(fetcher_.count(article(i)), c.permanent ? 1 : 3) << c.name;
    EXPECT_EQ(alerted(article(i)), 1) << c.name;
  }
}

TEST_F(WatcherTest, RestartRepeatsNothingAndFinishesPendingItems) {
  sources();
  // First poll records the items; the articles are in flight when it "crashes".
  watcher_->tick();
  fetcher_.run(0ms);  // feed answered, article requests queued
  open();             // restart: the queued callbacks are dropped with the old watcher
  fetcher_ = FakeFetcher();
  answers();
  sources();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].seq, 1u);
  open();
  sources();
  run_for(200s, 5s);
  EXPECT_EQ(publisher_.sent.size(), 1u);
}

TEST_F(WatcherTest, UnpublishedAlertsGoOutAfterRestart) {
  publisher_.broken = true;
  sources();
  run_for(3s);
  EXPECT_TRUE(publisher_.sent.empty());
  publisher_.broken = false;
  open();
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].seq, 1u);
}

// ---- Identity across polls ----

TEST_F(WatcherTest, RegeneratedGuidsDegradeToLinksWithoutRealerting) {
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(state().identity, ItemIdentity::kId);
  // Every fetch makes up new guids for the same two articles.
  for (int poll = 2; poll <= 4; ++poll) {
    const std::string n = std::to_string(poll);
    fetcher_.answer_page(kFeed,
                         rss({{"a-" + n, "حفتر يصل القاهرة", "http://news.test/a"},
                              {"b-" + n, "أخبار الطقس", "http://news.test/b?utm_source=rss" + n}}));
    run_for(60s, 5s);
  }
  EXPECT_EQ(state().identity, ItemIdentity::kLink);
  EXPECT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 1);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
  EXPECT_TRUE(store_->pending_items("feed")->empty());

  // A new article is still new; the decision survives a restart.
  open();
  sources();
  fetcher_.answer_page(kFeed, rss({{"c-9", "مرتزقة", "http://news.test/c"},
                                   {"a-9", "حفتر يصل القاهرة", "http://news.test/a"}}));
  fetcher_.answer_page("http://news.test/c",
                       page("تركيا ترسل مرتزقة", "أرسلت تركيا مرتزقة سوريين إلى ليبيا."));
  run_for(70s, 5s);
  EXPECT_EQ(state().identity, ItemIdentity::kLink);
  ASSERT_EQ(publisher_.sent.size(), 2u);
  EXPECT_EQ(publisher_.sent[1].url, "http://news.test/c");
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 1);
}

TEST_F(WatcherTest, OneReissuedGuidAmongManyIsNoReasonToDegrade) {
  fetcher_.answer_page(kFeed, rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                   {"b", "أخبار الطقس", "http://news.test/b"},
                                   {"c", "أخبار الطقس", "http://news.test/c"}}));
  sources();
  run_for(2s);
  fetcher_.answer_page(kFeed, rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                   {"b", "أخبار الطقس", "http://news.test/b"},
                                   {"c-republished", "أخبار الطقس", "http://news.test/c"}}));
  run_for(60s, 5s);
  EXPECT_EQ(state().identity, ItemIdentity::kId);
}

TEST_F(WatcherTest, MissingIdsDegradeForGoodSoKeysDoNotFlap) {
  fetcher_.answer_page(kFeed, rss({{"", "حفتر يصل القاهرة", "http://news.test/a"},
                                   {"b", "أخبار الطقس", "http://news.test/b"}}));
  sources();
  run_for(2s);
  EXPECT_EQ(state().identity, ItemIdentity::kLink);
  // Ids present again: still keyed by link, nothing is new.
  answers();
  run_for(130s, 5s);
  EXPECT_EQ(state().identity, ItemIdentity::kLink);
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 1);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
  EXPECT_EQ(publisher_.sent.size(), 1u);
}

TEST_F(WatcherTest, RepeatedLinksDegradeToContentHashes) {
  fetcher_.answer_page(kFeed, rss({{"", "حفتر يصل القاهرة", "http://news.test/"},
                                   {"", "أخبار الطقس", "http://news.test/"}}));
  fetcher_.answer_page("http://news.test/", page("الرئيسية", "أخبار متنوعة."));
  sources();
  run_for(130s, 5s);
  EXPECT_EQ(state().identity, ItemIdentity::kHash);
  auto pending = store_->pending_items("feed");
  ASSERT_TRUE(pending.has_value());
  EXPECT_TRUE(pending->empty());
}

// ---- Edits ----

void edit_b(FakeFetcher& f, const std::string& title, const std::string& body) {
  f.answer_page("http://news.test/feed.xml", rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                                  {"b", title, "http://news.test/b"}}));
  f.answer_page("http://news.test/b", page(title, body));
}

TEST_F(WatcherTest, EditedItemDoesNotAlertAgainByDefault) {
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  edit_b(fetcher_, "حفتر في القاهرة", "وصل حفتر إلى القاهرة.");
  run_for(130s, 5s);
  EXPECT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
}

TEST_F(WatcherTest, RealertOnEditMatchesTheNewContentOncePerRule) {
  sources(/*backlog=*/true, /*realert_on_edit=*/true);
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  run_for(60s, 5s);  // unchanged: nothing is fetched again
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);

  edit_b(fetcher_, "حفتر في القاهرة", "وصل حفتر إلى القاهرة.");
  run_for(60s, 5s);
  ASSERT_EQ(publisher_.sent.size(), 2u);
  EXPECT_EQ(publisher_.sent[1].url, "http://news.test/b");
  EXPECT_EQ(publisher_.sent[1].rule, "haftar-cairo");
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 2);

  // Edited again, the same rule matches: still one alert per rule and article.
  edit_b(fetcher_, "حفتر يغادر القاهرة", "غادر حفتر القاهرة.");
  run_for(60s, 5s);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 3);
  EXPECT_EQ(publisher_.sent.size(), 2u);
}

// ---- Adaptive interval ----

// A feed that publishes an item every `every` of fake time (feed-text only:
// no links), keeping the last 20.
std::string busy_feed(TimePoint now, std::chrono::seconds every) {
  const auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  std::string s = R"(<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>)";
  for (long long n = t / every.count(), i = 0; i < 20; ++i, --n) {
    s += "<item><guid>n" + std::to_string(n) + "</guid><title>خبر " + std::to_string(n) +
         "</title></item>";
  }
  return s + "</channel></rss>";
}

TEST_F(WatcherTest, IntervalShrinksForABusyFeedAndGrowsForAQuietOne) {
  const SourceConfig adaptive{
      .id = "feed", .url = kFeed, .interval = 60s, .min_interval = 15s, .max_interval = 240s};
  test::LogCapture log;
  watcher_->set_sources({adaptive});
  for (auto t = 0s; t < 600s; t += 5s) {
    fetcher_.answer_page(kFeed, busy_feed(clock_.now(), 10s));
    run_for(5s, 5s);
  }
  EXPECT_EQ(state().poll_interval, std::optional(15s));
  // Each change is logged at debug level with its reason.
  const auto faster = log.lines("debug", ": about one new item every 10s");
  ASSERT_FALSE(faster.empty()) << log.all();
  EXPECT_TRUE(faster.back().starts_with("source feed: polling every 15s instead of"))
      << faster.back();
  const int busy_polls = fetcher_.count(kFeed);
  EXPECT_GE(busy_polls, 25);

  // Quiet from now on: 304s.
  fetcher_.answer(
      kFeed,
      FetchResponse{
          .status = 200, .url = kFeed, .etag = "\"q\"", .body = busy_feed(clock_.now(), 10s)});
  run_for(3600s, 5s);
  EXPECT_EQ(state().poll_interval, std::optional(240s));
  EXPECT_LE(fetcher_.count(kFeed) - busy_polls, 25);  // a fixed 60s would be 60
  EXPECT_GE(fetcher_.count(kFeed) - busy_polls, 14);
  const auto slower = log.lines("debug", "source feed: polling every 4m instead of");
  ASSERT_FALSE(slower.empty());
  EXPECT_TRUE(slower.back().ends_with(": nothing new (held at max_interval)")) << slower.back();

  // The interval survives a restart.
  open();
  watcher_->set_sources({adaptive});
  const int before = fetcher_.count(kFeed);
  run_for(600s, 5s);
  EXPECT_LE(fetcher_.count(kFeed) - before, 4);
}

// Without min_interval or max_interval a source is polled every `interval`,
// busy or quiet: "10s" means 10 s, not up to 40 s.
TEST_F(WatcherTest, IntervalMeansWhatTheUserWrote) {
  test::LogCapture log;
  fetcher_.answer(
      kFeed,
      FetchResponse{
          .status = 200, .url = kFeed, .etag = "\"q\"", .body = busy_feed(clock_.now(), 10s)});
  watcher_->set_sources({SourceConfig{.id = "feed", .url = kFeed, .interval = 10s}});
  run_for(600s, 1s);
  EXPECT_GE(fetcher_.count(kFeed), 59);
  EXPECT_LE(fetcher_.count(kFeed), 62);
  EXPECT_EQ(state().poll_interval, std::optional(10s));
  EXPECT_TRUE(log.lines("debug", "polling every").empty()) << log.all();
}

TEST_F(WatcherTest, PublisherHintsAreAFloorWithinTheBounds) {
  struct Case {
    const char* name;
    std::string channel_extra;
    std::optional<std::chrono::seconds> max_age;
    std::chrono::seconds want;
  };
  const Case cases[] = {
      {"ttl 60 min", "<ttl>60</ttl>", {}, 3600s},
      {"ttl beyond max", "<ttl>600</ttl>", {}, 7200s},
      {"cache-control", "", 1800s, 1800s},
      {"sy:update hourly", "", {}, 3600s},
  };
  for (const Case& c : cases) {
    std::string body = rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"}});
    if (std::string(c.name) == "sy:update hourly") {
      body =
          R"(<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency></channel></rss>)";
    }
    body.insert(body.find("<title>T</title>"), c.channel_extra);
    if (!c.channel_extra.empty()) {
      ASSERT_TRUE(parse_feed(body, {})->ttl) << c.name;  // the parser's side is tested in feeds/
    }
    const std::string id = std::string("s") + std::to_string(&c - cases);
    const std::string url = "http://news.test/" + id + ".xml";
    fetcher_.answer(url,
                    FetchResponse{.status = 200, .url = url, .body = body, .max_age = c.max_age});
    watcher_->set_sources(
        {SourceConfig{.id = id, .url = url, .interval = 300s, .max_interval = 7200s}});
    run_for(2s);
    EXPECT_EQ(state(id).poll_interval, std::optional(c.want)) << c.name;
  }
}

// ---- Health and isolation ----

TEST_F(WatcherTest, HealthIsWrittenOnEveryOutcome) {
  struct Case {
    const char* name;
    Result<FetchResponse> answer;
    bool ok;
    const char* error;
  };
  const std::string u = "http://news.test/h.xml";
  const Case cases[] = {
      {"200", FetchResponse{.status = 200, .url = u, .body = rss({})}, true, ""},
      {"304", FetchResponse{.status = 304, .url = u}, true, ""},
      {"404", FetchResponse{.status = 404, .url = u}, false, "HTTP 404"},
      {"500", FetchResponse{.status = 500, .url = u}, false, "HTTP 500"},
      {"429", FetchResponse{.status = 429, .url = u, .retry_after = 900s}, false, "HTTP 429"},
      {"network", fail(Errc::kNetwork, "GET " + u + ": Connection refused"), false,
       "Connection refused"},
      {"too large", fail(Errc::kTooLarge, "body larger than 10485760 bytes: " + u), false,
       "body larger"},
      {"not a feed", FetchResponse{.status = 200, .url = u, .body = "<html>not a feed"}, false, ""},
      {"410", FetchResponse{.status = 410, .url = u}, false, "410 Gone"},
  };
  for (const Case& c : cases) {
    const std::string id = std::string("h") + std::to_string(&c - cases);
    const std::string url = u + "?" + id;
    Result<FetchResponse> a = c.answer;
    if (a) a->url = url;
    fetcher_.answer(url, a);
    watcher_->set_sources({SourceConfig{.id = id, .url = url, .interval = 60s}});
    const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
    run_for(0s);
    const SourceState st = state(id);
    EXPECT_EQ(st.last_attempt, std::optional(now)) << c.name;
    EXPECT_EQ(st.consecutive_failures, c.ok ? 0 : 1) << c.name;
    EXPECT_EQ(st.last_success.has_value(), c.ok) << c.name;
    EXPECT_EQ(st.last_error.empty(), c.ok) << c.name;
    EXPECT_NE(st.last_error.find(c.error), std::string::npos) << c.name << ": " << st.last_error;
    if (std::string(c.name) == "410") {
      EXPECT_TRUE(st.disabled);
      EXPECT_FALSE(st.next_poll.has_value());
    } else {
      ASSERT_TRUE(st.next_poll.has_value()) << c.name;
      EXPECT_GT(*st.next_poll, now) << c.name;
    }
    if (std::string(c.name) == "429") {
      EXPECT_EQ(*st.next_poll, now + 900s);
    }
  }
}

// A store that cannot read a source's state once (a broken or locked database).
class SourceReadFailsOnce : public test::StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  Result<SourceState> source(std::string_view id) override {
    if (!fail_next) return StoreWrapper::source(id);
    fail_next = false;
    return fail(Errc::kIo, "SQLite database state.db: cannot read source: database is locked");
  }
  bool fail_next = false;
};

TEST_F(WatcherTest, AStoreReadErrorWhenAPollAnswersKeepsTheSourcesState) {
  SourceReadFailsOnce store(*store_);
  watcher_ = std::make_unique<Watcher>(fetcher_, store, *delivery_, clock_, WatcherOptions{});
  watcher_->set_matcher(matcher_);
  // An item without an id: the source is told apart by links. The feed sends an ETag.
  fetcher_.answer(kFeed, FetchResponse{.status = 200,
                                       .url = kFeed,
                                       .content_type = "application/rss+xml",
                                       .etag = "\"v1\"",
                                       .body = rss({{"", "حفتر يصل القاهرة", "http://news.test/a"},
                                                    {"b", "أخبار الطقس", "http://news.test/b"}})});
  sources();
  run_for(2s);
  ASSERT_EQ(state().identity, ItemIdentity::kLink);
  ASSERT_EQ(state().etag, "\"v1\"");
  ASSERT_EQ(publisher_.sent.size(), 1u);

  // The next poll's answer comes back while the state cannot be read.
  clock_.advance(60s);
  watcher_->tick();
  ASSERT_EQ(fetcher_.pending(), 1u);
  store.fail_next = true;
  fetcher_.run(0ms);
  EXPECT_FALSE(store.fail_next);  // on_poll read it
  const SourceState after = state();
  EXPECT_EQ(after.identity, ItemIdentity::kLink);
  EXPECT_EQ(after.etag, "\"v1\"");
  EXPECT_EQ(after.config_url, kFeed);
  EXPECT_TRUE(after.initialized);

  // Polled again, still with its validator; nothing is fetched or alerted twice.
  run_for(300s, 5s);
  EXPECT_EQ(fetcher_.requests.back().etag, "\"v1\"");
  EXPECT_EQ(state().identity, ItemIdentity::kLink);
  EXPECT_EQ(fetcher_.count("http://news.test/a"), 1);
  EXPECT_EQ(publisher_.sent.size(), 1u);
  watcher_.reset();  // it holds `store`
}

TEST_F(WatcherTest, AHangingSourceDelaysNobody) {
  const std::string stuck = "http://stuck.test/feed.xml";
  fetcher_.hold(stuck);
  watcher_->set_sources(
      {SourceConfig{.id = "stuck", .url = stuck, .interval = 60s},
       SourceConfig{
           .id = "feed", .url = kFeed, .interval = 60s, .min_interval = 60s, .max_interval = 60s}});
  run_for(600s, 5s);
  EXPECT_EQ(fetcher_.count(stuck), 1);  // still in flight: never polled twice at once
  EXPECT_GE(fetcher_.count(kFeed), 10);
  EXPECT_EQ(publisher_.sent.size(), 1u);
}

// ---- The real fetcher against a real server ----

// Bad sources on one host ("localhost") fail and back off while a good one on
// another host ("127.0.0.1") keeps its 1s interval. Real time, about 4s.
TEST(WatcherOverHttp, BadSourcesFailAndBackOffWhileOthersContinue) {
  test::HttpServer good_host;
  test::HttpServer bad_host;
  const std::string feed = rss({{"a", "أخبار الطقس", ""}});
  good_host.set("/good.xml",
                {.content_type = "application/rss+xml", .body = feed, .etag = "\"g\""});
  good_host.set("/moved.xml", {.content_type = "application/rss+xml", .body = feed});
  good_host.set("/temp-target.xml", {.content_type = "application/rss+xml", .body = feed});
  good_host.set("/old.xml",
                {.status = 301, .body = "moved", .headers = {{"Location", "/moved.xml"}}});
  good_host.set("/temp.xml",
                {.status = 302, .body = "moved", .headers = {{"Location", "/temp-target.xml"}}});
  auto bad = [&bad_host](const std::string& path) {
    return "http://localhost:" + std::to_string(bad_host.port()) + path;
  };
  bad_host.handle_with("/drip.xml", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider(
        "application/rss+xml", [](size_t offset, httplib::DataSink& sink) {
          if (offset >= 3) {
            sink.done();
            return true;
          }
          // The host under test drips a byte a second: its slowness, not a wait.
          std::this_thread::sleep_for(std::chrono::milliseconds(1'000));
          return sink.write("<", 1);
        });
  });
  bad_host.set("/huge.xml",
               {.content_type = "application/octet-stream", .body = std::string(300'000, 'x')});
  bad_host.set("/loop.xml",
               {.status = 302, .body = "again", .headers = {{"Location", "/loop.xml"}}});
  bad_host.set("/error.xml", {.status = 500, .body = "oops"});
  bad_host.set("/busy.xml", {.status = 503, .body = "busy", .headers = {{"Retry-After", "120"}}});
  bad_host.set("/junk.xml",
               {.content_type = "application/rss+xml", .body = "<html><body>not a feed"});

  const auto dir = std::filesystem::temp_directory_path() /
                   ("watcher_http_test_" + std::to_string(std::random_device{}()));
  auto store = open_sqlite_store(dir);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  auto fetcher = make_curl_fetcher({.connect_timeout = 2s,
                                    .total_timeout = 3s,
                                    .max_body_bytes = 100'000,
                                    .low_speed_bytes = 64,
                                    .low_speed_time = 1s,
                                    .host_spacing = 50ms});
  FakePublisher publisher;
  SystemClock clock;
  Delivery delivery(**store, publisher, clock, {});
  Watcher watcher(*fetcher, **store, delivery, clock, {});
  auto source = [](std::string id, std::string url) {
    return SourceConfig{.id = std::move(id),
                        .url = std::move(url),
                        .interval = 1s,
                        .min_interval = 1s,
                        .max_interval = 1s};
  };
  watcher.set_sources({source("good", good_host.url("/good.xml")),
                       source("old", good_host.url("/old.xml")),
                       source("temp", good_host.url("/temp.xml")), source("drip", bad("/drip.xml")),
                       source("huge", bad("/huge.xml")), source("loop", bad("/loop.xml")),
                       source("error", bad("/error.xml")), source("busy", bad("/busy.xml")),
                       source("junk", bad("/junk.xml"))});
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 4200ms) {
    fetcher->run(std::min(watcher.tick(), std::chrono::milliseconds(100)));
  }
  EXPECT_GE(good_host.hits("/good.xml"), 3);  // every ~1s, the drip notwithstanding

  struct Want {
    const char* id;
    const char* error;
  };
  for (const Want& w : {Want{"drip", "too slow"}, Want{"huge", "body larger than 100000 bytes"},
                        Want{"loop", "redirects"}, Want{"error", "HTTP 500"},
                        Want{"busy", "HTTP 503"}, Want{"junk", ""}}) {
    auto st = (*store)->source(w.id);
    ASSERT_TRUE(st.has_value());
    EXPECT_GE(st->consecutive_failures, 1) << w.id;
    EXPECT_NE(st->last_error.find(w.error), std::string::npos) << w.id << ": " << st->last_error;
    EXPECT_FALSE(st->last_error.empty()) << w.id;
    ASSERT_TRUE(st->next_poll && st->last_attempt) << w.id;
    EXPECT_GT(*st->next_poll, *st->last_attempt) << w.id;
    EXPECT_FALSE(st->last_success.has_value()) << w.id;
  }
  // Backed off: the failing ones were not polled every second.
  EXPECT_LE(bad_host.hits("/error.xml"), 3);
  EXPECT_EQ(bad_host.hits("/busy.xml"), 1);
  auto busy = (*store)->source("busy");
  EXPECT_GE(*busy->next_poll - *busy->last_attempt, 119s);

  // 301 moves the source for good; 302 does not.
  auto old = (*store)->source("old");
  EXPECT_EQ(old->url, good_host.url("/moved.xml"));
  EXPECT_EQ(old->config_url, good_host.url("/old.xml"));
  EXPECT_EQ(good_host.hits("/old.xml"), 1);
  EXPECT_GE(good_host.hits("/moved.xml"), 3);
  auto temp = (*store)->source("temp");
  EXPECT_EQ(temp->url, good_host.url("/temp.xml"));
  EXPECT_GE(good_host.hits("/temp.xml"), 3);
  EXPECT_EQ(temp->consecutive_failures, 0);

  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

// Stories end to end through the pipeline: the same wire copy on three sites
// (tests/data/stories) with the real extractor, matcher, story index and store.
class WatcherStoryTest : public WatcherTest {
 protected:
  void SetUp() override {
    WatcherTest::SetUp();
    Watchlist w{.name = "libya", .file = "libya.toml"};
    w.rules.push_back(Rule{.id = "every", .query = "حفتر AND القاهرة"});
    w.rules.push_back(Rule{.id = "once", .query = "حفتر AND القاهرة", .once_per_story = true});
    auto m = Matcher::compile(std::span(&w, 1));
    ASSERT_TRUE(m) << m.error().message;
    matcher_ = *m;
    watcher_->set_matcher(matcher_);
    const std::string a = test::read_fixture_file(test::fixture_path("stories/wire-copy-a.html"));
    const std::string b = test::read_fixture_file(test::fixture_path("stories/wire-copy-b.html"));
    const std::string other =
        test::read_fixture_file(test::fixture_path("stories/same-event-other-writer.html"));
    for (const auto& [site, body] : {std::pair{"one", a}, {"two", b}, {"three", other}}) {
      const std::string url = std::string("http://") + site + ".test/";
      fetcher_.answer_page(url + "feed.xml", rss({{"x", "حفتر", url + "article"}}), 200,
                           "application/rss+xml");
      fetcher_.answer_page(url + "article", body);
    }
  }
  void watch(const std::vector<std::string>& sites) {
    std::vector<SourceConfig> list;
    for (const auto& s : sites)
      list.push_back({.id = s, .url = "http://" + s + ".test/feed.xml", .interval = 60s});
    watcher_->set_sources(list);
  }
  std::vector<const Alert*> sent(const std::string& rule) {
    std::vector<const Alert*> out;
    for (const Alert& a : publisher_.sent)
      if (a.rule == rule) out.push_back(&a);
    return out;
  }
};

TEST_F(WatcherStoryTest, CopiesShareAStoryAndOncePerStoryPublishesTheFirstOnly) {
  watch({"one"});
  run_for(2s);
  watch({"one", "two", "three"});
  run_for(2s);
  const auto every = sent("every");
  ASSERT_EQ(every.size(), 3u);
  EXPECT_EQ(every[0]->source, "one");
  EXPECT_EQ(every[0]->story, story_id("http://one.test/article"));
  EXPECT_EQ(every[0]->story_size, 1u);
  const Alert* two = every[1]->source == "two" ? every[1] : every[2];
  const Alert* three = every[1]->source == "three" ? every[1] : every[2];
  EXPECT_EQ(two->story, every[0]->story);
  EXPECT_EQ(two->story_size, 2u);
  EXPECT_EQ(three->story, story_id("http://three.test/article"));  // another writer
  EXPECT_EQ(three->story_size, 1u);
  // The bytes published carry the story.
  bool bytes = false;
  for (const RecordedAlert& r : publisher_.records) {
    bytes = bytes ||
            r.json.find("\"story\":\"" + two->story + "\",\"story_size\":2") != std::string::npos;
  }
  EXPECT_TRUE(bytes);

  // once_per_story: one and three, not two's copy; two's is recorded all the same.
  const auto once = sent("once");
  ASSERT_EQ(once.size(), 2u);
  for (const Alert* a : once) EXPECT_NE(a->source, "two");
  auto listed = store_->story_alerts(every[0]->story, 100);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 4u);  // one: every, once; two: every, once (suppressed)
  int suppressed = 0;
  for (const RecordedAlert& r : *listed) suppressed += alert_from_json(r.json)->suppressed;
  EXPECT_EQ(suppressed, 1);
}

TEST_F(WatcherStoryTest, ACopyAfterTheWindowStartsANewStoryAndOldArticlesArePruned) {
  watch({"one"});
  run_for(2s);
  clock_.advance(73h);  // past the default story_window of 72 h
  watch({"one", "two"});
  run_for(2s);
  const auto every = sent("every");
  ASSERT_EQ(every.size(), 2u);
  EXPECT_EQ(every[1]->story, story_id("http://two.test/article"));
  EXPECT_EQ(every[1]->story_size, 1u);
  EXPECT_EQ(sent("once").size(), 2u);
  // The first article fell out of the window: the store forgot it.
  auto kept = store_->story_articles(std::chrono::sys_seconds{}, 100);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ(kept->at(0).article_key, "http://two.test/article");
}

TEST_F(WatcherStoryTest, AStoryOutlivesARestart) {
  watch({"one"});
  run_for(2s);
  open();  // a new daemon on the same state directory
  watch({"one", "two"});
  run_for(2s);
  const auto every = sent("every");
  ASSERT_EQ(every.size(), 2u);
  EXPECT_EQ(every[1]->source, "two");
  EXPECT_EQ(every[1]->story, story_id("http://one.test/article"));
  EXPECT_EQ(every[1]->story_size, 2u);
  EXPECT_EQ(sent("once").size(), 1u);
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

using test::FakeClock;

// A news sitemap: `urls` are (loc, publication date or "" for none, title).
std::string news_sitemap(
    const std::vector<std::tuple<std::string, std::string, std::string>>& urls) {
  std::string s =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">)";
  for (const auto& [loc, date, title] : urls) {
    s += "<url><loc>" + loc + "</loc>";
    if (!date.empty()) {
      s += "<news:news><news:publication_date>" + date + "</news:publication_date><news:title>" +
           title + "</news:title></news:news>";
    }
    s += "</url>";
  }
  return s + "</urlset>";
}

std::string sitemap_index(const std::vector<std::pair<std::string, std::string>>& children) {
  std::string s = R"(<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& [loc, lastmod] : children) {
    s += "<sitemap><loc>" + loc + "</loc>" +
         (lastmod.empty() ? "" : "<lastmod>" + lastmod + "</lastmod>") + "</sitemap>";
  }
  return s + "</sitemapindex>";
}

// Fake time starts 2020-06-03 09:00Z.
constexpr const char* kSitemap = "http://news.test/sitemap.xml";

class SitemapWatcherTest : public WatcherTest {
 protected:
  void sitemap_source(std::chrono::seconds max_age = std::chrono::days(2), bool backlog = true) {
    watcher_->set_sources(
        {SourceConfig{.id = "sm",
                      .url = kSitemap,
                      .kind = SourceConfig::Kind::kSitemap,
                      .interval = 60s,
                      .backlog = backlog,
                      .min_interval = 60s,
                      .max_interval = 60s,
                      .max_age = max_age,
                      .http = {.headers = {{"Cookie", "c=1"}}, .user_agent = "UA/1"}}});
  }
  int requests_for(const std::string& url) const {
    return static_cast<int>(std::count_if(fetcher_.requests.begin(), fetcher_.requests.end(),
                                          [&](const FetchRequest& r) { return r.url == url; }));
  }
};

// Only the URLs dated within max_age are items, whatever backlog says: the old
// and undated ones are never fetched. The source's HTTP settings go with its
// poll and its articles; a sitemap's cap is the protocol's 50 MB.
TEST_F(SitemapWatcherTest, TakesOnlyTheRecentUrlsAndFetchesThemWithTheSourcesHeaders) {
  fetcher_.answer_page(kSitemap,
                       news_sitemap({{"http://news.test/a", "2020-06-03T08:00:00Z", "حفتر"},
                                     {"http://news.test/b", "2020-06-02T08:00:00+00:00", "طقس"},
                                     {"http://news.test/old", "2020-05-20T08:00:00Z", "old"},
                                     {"http://news.test/undated", "", ""}}),
                       200, "application/xml");
  fetcher_.answer_page("http://news.test/old", page("old", "old"));
  fetcher_.answer_page("http://news.test/undated", page("u", "u"));
  sitemap_source();
  run_for(3s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].url, "http://news.test/a");
  EXPECT_EQ(requests_for("http://news.test/a"), 1);
  EXPECT_EQ(requests_for("http://news.test/b"), 1);
  EXPECT_EQ(requests_for("http://news.test/old"), 0);
  EXPECT_EQ(requests_for("http://news.test/undated"), 0);
  for (const FetchRequest& r : fetcher_.requests) {
    EXPECT_EQ(r.http.user_agent, "UA/1") << r.url;
    ASSERT_EQ(r.http.headers.size(), 1u) << r.url;
    EXPECT_EQ(r.http.headers[0].second, "c=1");
    EXPECT_EQ(r.max_body_bytes, r.url == kSitemap ? std::optional(kSitemapMaxBytes) : std::nullopt);
  }
  EXPECT_TRUE(state("sm").initialized);
  EXPECT_EQ(state("sm").consecutive_failures, 0);
}

// A sitemap index: children fetched one level deep, each again only when its
// lastmod changes; children last modified before max_age are not fetched.
TEST_F(SitemapWatcherTest, IndexFetchesOnlyChildrenWhoseLastmodChanged) {
  const std::string news = "http://news.test/sitemap-news.xml";
  const std::string april = "http://news.test/sitemap-2020-04.xml";
  fetcher_.answer_page(kSitemap,
                       sitemap_index({{news, "2020-06-03T08:00:00Z"}, {april, "2020-04-30"}}), 200,
                       "application/xml");
  fetcher_.answer_page(news, news_sitemap({{"http://news.test/a", "2020-06-03T08:00:00Z", "حفتر"}}),
                       200, "application/xml");
  fetcher_.answer_page(april, news_sitemap({}), 200, "application/xml");
  sitemap_source();
  run_for(3s);
  EXPECT_EQ(requests_for(news), 1);
  EXPECT_EQ(requests_for(april), 0);
  ASSERT_EQ(publisher_.sent.size(), 1u);

  run_for(60s);  // the index again, unchanged: its child is not asked again
  EXPECT_GE(requests_for(kSitemap), 2);
  EXPECT_EQ(requests_for(news), 1);

  // The child changes: the index says so with a new lastmod.
  fetcher_.answer_page(kSitemap,
                       sitemap_index({{news, "2020-06-03T09:01:00Z"}, {april, "2020-04-30"}}), 200,
                       "application/xml");
  fetcher_.answer_page(news,
                       news_sitemap({{"http://news.test/a", "2020-06-03T08:00:00Z", "حفتر"},
                                     {"http://news.test/b", "2020-06-03T09:00:00Z", "طقس"}}),
                       200, "application/xml");
  run_for(60s);
  EXPECT_EQ(requests_for(news), 2);
  EXPECT_EQ(requests_for("http://news.test/a"), 1);
  EXPECT_EQ(requests_for("http://news.test/b"), 1);
  EXPECT_EQ(state("sm").consecutive_failures, 0);
}

// A child that fails leaves the poll degraded, not failed, and is asked again.
TEST_F(SitemapWatcherTest, FailedChildIsAskedAgainAtTheNextPoll) {
  const std::string child = "http://news.test/child.xml";
  fetcher_.answer_page(kSitemap, sitemap_index({{child, "2020-06-03T08:00:00Z"}}), 200,
                       "application/xml");
  sitemap_source();
  test::LogCapture log;
  run_for(3s);  // the child is unknown to the fake: a network error
  EXPECT_EQ(requests_for(child), 1);
  EXPECT_EQ(state("sm").consecutive_failures, 0);
  EXPECT_EQ(log.lines("warning", "1 of 1 child sitemaps failed").size(), 1u);
  fetcher_.answer_page(child,
                       news_sitemap({{"http://news.test/a", "2020-06-03T08:00:00Z", "حفتر"}}), 200,
                       "application/xml");
  run_for(60s);
  EXPECT_EQ(requests_for(child), 2);
  ASSERT_EQ(publisher_.sent.size(), 1u);
}

TEST_F(SitemapWatcherTest, ABodyThatIsNoSitemapFailsThePoll) {
  fetcher_.answer_page(kSitemap, "<html><body>not found</body></html>", 200, "text/html");
  sitemap_source();
  run_for(3s);
  EXPECT_EQ(state("sm").consecutive_failures, 1);
  EXPECT_NE(state("sm").last_error.find("not a sitemap"), std::string::npos)
      << state("sm").last_error;
}

}  // namespace
}  // namespace nw
