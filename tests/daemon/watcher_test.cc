// The pipeline's logic over fake time, a fake network and a fake publisher, with
// the real store (SQLite in a temp dir), extractor and matcher.
#include "daemon/watcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "tests/support/fakes.h"

namespace nw {
namespace {

using namespace std::chrono_literals;
using test::FakeClock;
using test::FakeFetcher;
using test::FakePublisher;

std::string rss(const std::vector<std::tuple<std::string, std::string, std::string>>& items) {
  std::string s = R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>)";
  for (const auto& [guid, title, link] : items) {
    s += "<item><guid>" + guid + "</guid><title>" + title + "</title><link>" + link +
         "</link><description>" + title + "</description><pubDate>Wed, 03 Jun 2020 09:15:00 GMT</pubDate></item>";
  }
  return s + "</channel></rss>";
}

std::string page(const std::string& title, const std::string& body) {
  std::string paragraphs;
  for (int i = 0; i < 3; ++i) {
    paragraphs += "<p>" + body + " وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في البلاد "
                  "والتنسيق المشترك بين الجانبين في الملفات الأمنية والسياسية.</p>";
  }
  return "<html lang=\"ar\"><head><title>" + title + " | موقع</title></head><body>"
         "<nav><a href=\"/\">الرئيسية</a></nav><article><h1>" + title + "</h1>" + paragraphs +
         "</article><footer>جميع الحقوق محفوظة</footer></body></html>";
}

class WatcherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("watcher_test_" + std::to_string(std::random_device{}()));
    Watchlist w{.name = "libya", .file = "libya.toml"};
    w.rules.push_back(Rule{.id = "haftar-cairo", .query = "حفتر AND القاهرة", .query_pos = {"libya.toml", 3, 10}});
    w.rules.push_back(Rule{.id = "mercenaries", .query = "تركيا AND مرتزقة", .query_pos = {"libya.toml", 6, 10}});
    auto m = Matcher::compile(std::span(&w, 1));
    ASSERT_TRUE(m) << m.error().message;
    matcher_ = *m;
    open();
    answers();
  }
  void answers() {
    fetcher_.answer_page(kFeed, rss({{"a", "حفتر يصل القاهرة", "http://news.test/a"},
                                     {"b", "أخبار الطقس", "http://news.test/b"}}),
                         200, "application/rss+xml");
    fetcher_.answer_page("http://news.test/a", page("حفتر يصل القاهرة", "وصل المشير خليفة حفتر إلى القاهرة للقاء المسؤولين."));
    fetcher_.answer_page("http://news.test/b", page("أخبار الطقس", "طقس معتدل في معظم المناطق مع رياح خفيفة."));
  }
  void TearDown() override {
    watcher_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void open() {
    watcher_.reset();
    store_.reset();
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    watcher_ = std::make_unique<Watcher>(fetcher_, *store_, publisher_, clock_, WatcherOptions{});
    if (matcher_) watcher_->set_matcher(matcher_);
  }
  void sources(bool backlog = true) {
    watcher_->set_sources({SourceConfig{.id = "feed", .url = kFeed, .interval = 60s, .backlog = backlog}});
  }
  // Runs the loop for `total` of fake time in steps.
  void run_for(std::chrono::milliseconds total, std::chrono::milliseconds step = 500ms) {
    for (auto t = 0ms; t <= total; t += step) {
      watcher_->tick();
      fetcher_.run(0ms);
      watcher_->tick();
      clock_.advance(step);
    }
  }

  static constexpr const char* kFeed = "http://news.test/feed.xml";
  std::filesystem::path dir_;
  FakeClock clock_;
  FakeFetcher fetcher_;
  FakePublisher publisher_;
  std::unique_ptr<Store> store_;
  std::shared_ptr<const Matcher> matcher_;
  std::unique_ptr<Watcher> watcher_;
};

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

TEST_F(WatcherTest, NoAlertBeforeThePublishGrace) {
  sources();
  watcher_->tick();
  fetcher_.run(0ms);
  fetcher_.run(0ms);
  watcher_->tick();
  EXPECT_TRUE(publisher_.sent.empty());
  clock_.advance(1100ms);
  watcher_->tick();
  EXPECT_EQ(publisher_.sent.size(), 1u);
}

TEST_F(WatcherTest, NewItemAlertsWithNextSeq) {
  sources();
  run_for(2s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  fetcher_.answer_page(kFeed, rss({{"c", "مرتزقة", "http://news.test/c"},
                                   {"a", "حفتر يصل القاهرة", "http://news.test/a"}}));
  fetcher_.answer_page("http://news.test/c", page("تركيا ترسل مرتزقة", "أرسلت تركيا مرتزقة سوريين إلى ليبيا."));
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
  fetcher_.answer_page("http://news.test/d", page("حفتر في القاهرة مجددا", "عاد حفتر إلى القاهرة."));
  run_for(70s, 5s);
  ASSERT_EQ(publisher_.sent.size(), 1u);
  EXPECT_EQ(publisher_.sent[0].url, "http://news.test/d");
}

TEST_F(WatcherTest, SendsValidatorsAndTreats304AsNothingNew) {
  fetcher_.answer(kFeed, FetchResponse{.status = 200, .url = kFeed, .content_type = "application/rss+xml",
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
  fetcher_.answer(kFeed, fail(Errc::kNetwork, "GET http://news.test/feed.xml: Could not resolve host"));
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

TEST_F(WatcherTest, PermanentRedirectMovesTheSource) {
  const std::string moved = "http://news.test/new-feed.xml";
  fetcher_.answer(kFeed, FetchResponse{.status = 200, .url = moved, .content_type = "application/rss+xml",
                                       .body = rss({}), .moved_to = moved});
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

TEST(ItemKeys, UsesIdsWhenUniqueElseLinksElseHashes) {
  std::vector<FeedEntry> e(2);
  e[0].id = "1";
  e[0].link = "http://x.test/a?utm_source=rss";
  e[1].id = "2";
  e[1].link = "http://x.test/b";
  EXPECT_EQ(item_keys(e), (std::vector<std::string>{"id:1", "id:2"}));
  e[1].id = "1";  // repeated ids: not trustworthy
  EXPECT_EQ(item_keys(e), (std::vector<std::string>{"link:http://x.test/a", "link:http://x.test/b"}));
  e[1].link = "http://X.test/a#frag";  // same article twice: links not trustworthy either
  auto keys = item_keys(e);
  EXPECT_TRUE(keys[0].starts_with("hash:"));
}

}  // namespace
}  // namespace nw
