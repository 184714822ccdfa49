// robots.txt in the daemon: the per-site cache's states over fake time and a
// fake network, and the Watcher gating its articles with it (real store,
// extractor and matcher).
#include "daemon/robots_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "daemon/watcher.h"
#include "tests/support/fakes.h"

namespace nw {
namespace {

using namespace std::chrono_literals;
using test::FakeClock;
using test::FakeFetcher;
using test::FakePublisher;
using Verdict = RobotsCache::Verdict;

constexpr const char* kRobots = "http://news.test/robots.txt";

class RobotsCacheTest : public testing::Test {
 protected:
  RobotsCache::Answer check(const std::string& url) { return cache_.check(url); }
  FakeClock clock_;
  FakeFetcher fetcher_;
  RobotsCache cache_{
      fetcher_, clock_, {.user_agent = "newswatch/0.1 (+https://example.org)", .retry = 600s}};
};

TEST_F(RobotsCacheTest, FetchesOncePerSiteAndAnswersFromTheFile) {
  fetcher_.answer_page(kRobots,
                       "User-agent: *\nDisallow: /\n\nUser-agent: NewsWatch\n"
                       "Disallow: /private/\nCrawl-delay: 90\n",
                       200, "text/plain");
  EXPECT_EQ(check("http://news.test/a").verdict, Verdict::kPending);
  int woken = 0;
  cache_.wait("http://news.test/a", [&] { ++woken; });
  EXPECT_EQ(check("http://news.test/private/b").verdict, Verdict::kPending);
  fetcher_.run(0ms);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(fetcher_.count(kRobots), 1);
  const auto a = check("http://news.test/a");
  EXPECT_EQ(a.verdict, Verdict::kAllowed);
  EXPECT_EQ(a.crawl_delay, 60s);  // cut to max_crawl_delay
  EXPECT_EQ(check("http://news.test/private/b").verdict, Verdict::kDisallowed);
  EXPECT_EQ(check("http://NEWS.test:80/private/c").verdict, Verdict::kDisallowed);
  // Another origin has a file of its own.
  EXPECT_EQ(check("https://news.test/private/b").verdict, Verdict::kPending);
  EXPECT_EQ(cache_.sites(), 2u);
  // A day later the file is fetched again; the old copy answers meanwhile.
  clock_.advance(std::chrono::hours(24));
  fetcher_.answer_page(kRobots, "User-agent: *\nDisallow:\n", 200, "text/plain");
  EXPECT_EQ(check("http://news.test/private/b").verdict, Verdict::kDisallowed);
  fetcher_.run(0ms);
  EXPECT_EQ(fetcher_.count(kRobots), 2);
  EXPECT_EQ(check("http://news.test/private/b").verdict, Verdict::kAllowed);
}

TEST_F(RobotsCacheTest, NoFileAllowsEverything) {
  for (long status : {404L, 403L, 410L}) {
    RobotsCache cache(fetcher_, clock_, {.user_agent = "newswatch"});
    fetcher_.answer_page(kRobots, "User-agent: *\nDisallow: /\n", status);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kPending);
    fetcher_.run(0ms);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kAllowed) << status;
  }
}

TEST_F(RobotsCacheTest, ServerErrorsAllowNothingUntilTheFileIsIn) {
  for (long status : {500L, 503L, 429L}) {
    RobotsCache cache(fetcher_, clock_, {.user_agent = "newswatch", .retry = 600s});
    fetcher_.answer_page(kRobots, "oops", status);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kPending);
    fetcher_.run(0ms);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kUnavailable) << status;
    const int asked = fetcher_.count(kRobots);
    clock_.advance(599s);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kUnavailable);
    EXPECT_EQ(fetcher_.count(kRobots), asked);  // not asked again before `retry`
    clock_.advance(1s);
    fetcher_.answer_page(kRobots, "User-agent: *\nDisallow: /a\n", 200, "text/plain");
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kPending);
    fetcher_.run(0ms);
    EXPECT_EQ(cache.check("http://news.test/a").verdict, Verdict::kDisallowed);
    EXPECT_EQ(cache.check("http://news.test/b").verdict, Verdict::kAllowed);
  }
  // Unreachable (no answer in the fake): the same.
  RobotsCache cache(fetcher_, clock_, {.user_agent = "newswatch"});
  EXPECT_EQ(cache.check("http://down.test/a").verdict, Verdict::kPending);
  fetcher_.run(0ms);
  EXPECT_EQ(cache.check("http://down.test/a").verdict, Verdict::kUnavailable);
}

TEST_F(RobotsCacheTest, AFailedRefreshKeepsTheLastCopyAndThirtyDaysOfFailuresAllowAll) {
  fetcher_.answer_page(kRobots, "User-agent: *\nDisallow: /a\n", 200, "text/plain");
  (void)check("http://news.test/a");
  fetcher_.run(0ms);
  EXPECT_EQ(check("http://news.test/a").verdict, Verdict::kDisallowed);
  clock_.advance(std::chrono::hours(25));
  fetcher_.answer_page(kRobots, "", 503);
  (void)check("http://news.test/a");
  fetcher_.run(0ms);
  EXPECT_EQ(check("http://news.test/a").verdict, Verdict::kDisallowed);  // the copy
  EXPECT_EQ(check("http://news.test/b").verdict, Verdict::kAllowed);

  RobotsCache never(fetcher_, clock_, {.user_agent = "newswatch", .retry = 3600s});
  EXPECT_EQ(never.check("http://news.test/b").verdict, Verdict::kPending);
  fetcher_.run(0ms);
  EXPECT_EQ(never.check("http://news.test/b").verdict, Verdict::kUnavailable);
  for (int h = 0; h < 30 * 24; ++h) {
    clock_.advance(std::chrono::hours(1));
    (void)never.check("http://news.test/b");
    fetcher_.run(0ms);
  }
  EXPECT_EQ(never.check("http://news.test/b").verdict, Verdict::kAllowed);
}

std::string rss() {
  return R"(<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>)"
         R"(<item><guid>a</guid><title>حفتر يصل القاهرة</title>)"
         R"(<link>http://news.test/private/a</link><description>زيارة</description></item>)"
         R"(<item><guid>b</guid><title>أخبار</title><link>http://news.test/b</link>)"
         R"(<description>حفتر في القاهرة</description></item></channel></rss>)";
}

std::string page(const std::string& body) {
  std::string p;
  for (int i = 0; i < 3; ++i) {
    p += "<p>" + body + " وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في البلاد.</p>";
  }
  return "<html lang=\"ar\"><head><title>خبر</title></head><body><article><h1>خبر</h1>" + p +
         "</article></body></html>";
}

// The Watcher with robots.txt on: a disallowed article is matched on its feed
// text without being fetched; while the file cannot be had, articles wait.
class RobotsWatcherTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("robots_watcher_test_" + std::to_string(std::random_device{}()));
    Watchlist w{.name = "libya", .file = "libya.toml"};
    w.rules.push_back(Rule{
        .id = "haftar-cairo", .query = "حفتر AND القاهرة", .query_pos = {"libya.toml", 3, 10}});
    auto m = Matcher::compile(std::span(&w, 1));
    ASSERT_TRUE(m) << m.error().message;
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
    delivery_ = std::make_unique<Delivery>(*store_, publisher_, clock_, DeliveryOptions{});
    watcher_ = std::make_unique<Watcher>(
        fetcher_, *store_, *delivery_, clock_,
        WatcherOptions{.metrics = &metrics_, .robots_user_agent = "newswatch/0.1"});
    watcher_->set_matcher(*m);
    fetcher_.answer_page(kFeed, rss(), 200, "application/rss+xml");
    fetcher_.answer_page("http://news.test/private/a", page("حفتر في القاهرة"));
    fetcher_.answer_page("http://news.test/b", page("حفتر في القاهرة"));
  }
  void TearDown() override {
    watcher_.reset();
    delivery_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void sources(bool robots) {
    watcher_->set_sources({SourceConfig{.id = "feed",
                                        .url = kFeed,
                                        .interval = 60s,
                                        .min_interval = 60s,
                                        .max_interval = 60s,
                                        .robots = robots}});
  }
  void run_for(std::chrono::milliseconds total) {
    for (auto t = 0ms; t <= total; t += 500ms) {
      watcher_->tick();
      fetcher_.run(0ms);
      watcher_->tick();
      delivery_->tick();
      clock_.advance(500ms);
    }
  }
  int pending() {
    auto p = store_->pending_items("feed");
    EXPECT_TRUE(p.has_value());
    return p ? static_cast<int>(p->size()) : -1;
  }

  static constexpr const char* kFeed = "http://feeds.test/feed.xml";
  std::filesystem::path dir_;
  FakeClock clock_;
  FakeFetcher fetcher_;
  FakePublisher publisher_;
  Metrics metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Delivery> delivery_;
  std::unique_ptr<Watcher> watcher_;
};

TEST_F(RobotsWatcherTest, ADisallowedArticleIsMatchedOnItsFeedTextUnfetched) {
  fetcher_.answer_page(kRobots, "User-agent: newswatch\nDisallow: /private/\n", 200, "text/plain");
  sources(true);
  run_for(3s);
  EXPECT_EQ(fetcher_.count(kRobots), 1);
  EXPECT_EQ(fetcher_.count("http://news.test/private/a"), 0);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
  // The feed is not subject to robots.txt: its site's file is never asked for.
  EXPECT_EQ(fetcher_.count("http://feeds.test/robots.txt"), 0);
  // Both alert: a on its feed title, b on its page.
  EXPECT_EQ(publisher_.sent.size(), 2u);
  EXPECT_EQ(pending(), 0);
  EXPECT_NE(metrics_.render().find("newswatch_robots_disallowed_total{source=\"feed\"} 1"),
            std::string::npos)
      << metrics_.render();
}

TEST_F(RobotsWatcherTest, RobotsFalseFetchesEverythingWithoutAskingForTheFile) {
  fetcher_.answer_page(kRobots, "User-agent: *\nDisallow: /\n", 200, "text/plain");
  sources(false);
  run_for(3s);
  EXPECT_EQ(fetcher_.count(kRobots), 0);
  EXPECT_EQ(fetcher_.count("http://news.test/private/a"), 1);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
}

TEST_F(RobotsWatcherTest, ArticlesWaitWhileTheFileAnswers5xxAndAreFetchedOnceItIsIn) {
  fetcher_.answer_page(kRobots, "busy", 503);
  sources(true);
  run_for(3s);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 0);
  EXPECT_EQ(publisher_.sent.size(), 0u);
  EXPECT_EQ(pending(), 2);  // waiting, not lost, not counted as failed fetches
  // The file comes back; after the retry interval (15 min) the next poll takes
  // the items up again.
  fetcher_.answer_page(kRobots, "User-agent: *\nDisallow: /private/\n", 200, "text/plain");
  run_for(16min);
  EXPECT_EQ(fetcher_.count("http://news.test/private/a"), 0);
  EXPECT_EQ(fetcher_.count("http://news.test/b"), 1);
  EXPECT_EQ(publisher_.sent.size(), 2u);
  EXPECT_EQ(pending(), 0);
}

}  // namespace
}  // namespace nw
