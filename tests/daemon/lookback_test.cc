// Rule lookback over the real store, a fake publisher and a fake clock: which
// rules a reload adds, a batch per tick, the window, and one alert per rule
// and article whoever finds it first.
#include "daemon/lookback.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "tests/support/fakes.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Watchlist watchlist(std::string name, std::vector<Rule> rules) {
  return Watchlist{.name = std::move(name), .file = "w.toml", .rules = std::move(rules)};
}

Rule rule(std::string id, std::string query, std::optional<std::chrono::seconds> lookback) {
  return Rule{.id = std::move(id),
              .query = std::move(query),
              .query_pos = {.file = "w.toml", .line = 1, .column = 1},
              .lookback = lookback};
}

TEST(AddedLookbackRules, OnlyRulesNewByWatchlistAndIdThatLookBack) {
  const std::vector<Watchlist> before = {watchlist("libya", {rule("a", "Haftar", 24h)})};
  const std::vector<Watchlist> after = {
      watchlist("libya", {rule("a", "Haftar OR Cairo", 24h),  // changed, not new
                          rule("b", "Tripoli", 48h), rule("c", "Misrata", std::nullopt)}),
      watchlist("egypt", {rule("a", "Sisi", 1h)})};  // same id, other watchlist: new
  auto added = added_lookback_rules(before, after);
  ASSERT_TRUE(added.has_value()) << added.error().message;
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ((*added)[0].watchlist, "libya");
  EXPECT_EQ((*added)[0].rule, "b");
  EXPECT_EQ((*added)[0].window, 48h);
  EXPECT_EQ((*added)[0].matcher->rule_count(), 1u);
  EXPECT_EQ((*added)[1].watchlist, "egypt");
  EXPECT_EQ((*added)[1].rule, "a");
}

class LookbackTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lookback_test_" + std::to_string(std::random_device{}()));
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  // An article matched (and kept) `ago` before the clock's now.
  void keep(const std::string& key, const std::string& text, std::chrono::seconds ago,
            std::vector<Alert> alerts = {}) {
    const KeptArticle a{
        .source_id = "news",
        .item_key = key,
        .article_key = "https://news.example/" + key,
        .url = "https://news.example/" + key,
        .title = "Title " + key,
        .text = text,
        .language = "en",
        .kept = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - ago)};
    auto r = store_->finish_and_keep("news", key, a.article_key, std::move(alerts), a);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  // A restart: the store closed and opened again.
  void reopen() {
    store_.reset();
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  LookbackRule tripoli(std::chrono::seconds window) {
    auto added = added_lookback_rules(
        {}, std::vector<Watchlist>{watchlist("libya", {rule("tripoli", "Tripoli", window)})});
    EXPECT_TRUE(added.has_value());
    return added->at(0);
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
  test::FakePublisher publisher_;
  test::FakeClock clock_;
};

TEST_F(LookbackTest, AlertsOnceOnTheKeptArticlesOfItsWindowABatchPerTick) {
  keep("old", "Fighting in Tripoli last month.", 48h);  // outside a 24h window
  keep("a", "Talks in Tripoli resumed.", 20h);
  keep("b", "Nothing about the capital.", 10h);
  keep("c", "Tripoli airport reopened.", 5h);
  // Already alerted by the running daemon (say the rule existed before under a
  // config that was reverted): the lookback does not alert on it again.
  keep("d", "Tripoli again.", 2h,
       {Alert{.id = alert_id("libya", "tripoli", "https://news.example/d"),
              .watchlist = "libya",
              .rule = "tripoli"}});
  keep("e", "Tripoli at night.", 1h);
  Delivery delivery(*store_, publisher_, clock_, {});
  delivery.publish_recorded();
  ASSERT_EQ(publisher_.sent.size(), 1u);  // d's own alert
  publisher_.sent.clear();

  Lookback lookback(*store_, delivery, clock_, 2);
  EXPECT_EQ(lookback.tick(), 1h);  // nothing to do
  lookback.add(tripoli(24h));
  int ticks = 0;
  while (lookback.queued() > 0 && ticks < 100) {
    const auto wait = lookback.tick();
    EXPECT_EQ(wait, lookback.queued() > 0 ? 0ms : std::chrono::milliseconds(1h));
    ++ticks;
  }
  EXPECT_EQ(ticks, 3);  // 5 articles in the window, 2 per tick
  std::vector<std::string> urls;
  for (const Alert& a : publisher_.sent) {
    urls.push_back(a.url);
    EXPECT_EQ(a.topic(), "libya/tripoli");
    EXPECT_EQ(a.source, "news");
    EXPECT_EQ(a.matched, std::vector<std::string>{"Tripoli"});
    EXPECT_EQ(a.id, alert_id("libya", "tripoli", a.url));
  }
  EXPECT_EQ(urls, (std::vector<std::string>{"https://news.example/a", "https://news.example/c",
                                            "https://news.example/e"}));
  // Dated when the article was fetched.
  EXPECT_EQ(publisher_.sent[0].fetched,
            std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - 20h));

  // The same rule looking back again (a second reload that re-adds it): no repeat.
  lookback.add(tripoli(72h));
  while (lookback.queued() > 0) lookback.tick();
  ASSERT_EQ(publisher_.sent.size(), 4u);  // only "old", now in the window
  EXPECT_EQ(publisher_.sent.back().url, "https://news.example/old");
  EXPECT_EQ(publisher_.sent.back().seq, 5u);
}

// Progress is saved after each batch: after a restart the run goes on from
// its cursor, over the same window, and no article alerts twice.
TEST_F(LookbackTest, ARestartResumesALookbackWhereItStopped) {
  for (const char* key : {"a", "b", "c", "d", "e"}) keep(key, "Talks in Tripoli.", 5h);
  {
    Delivery delivery(*store_, publisher_, clock_, {});
    Lookback lookback(*store_, delivery, clock_, 2);
    lookback.add(tripoli(24h));
    lookback.tick();  // a and b
    ASSERT_EQ(publisher_.sent.size(), 2u);
  }
  reopen();
  clock_.advance(20h);  // the window stays the one the run began with
  Delivery delivery(*store_, publisher_, clock_, {});
  Lookback lookback(*store_, delivery, clock_, 2);
  const std::vector<Watchlist> running = {watchlist("libya", {rule("tripoli", "Tripoli", 1h)})};
  lookback.resume(running);
  ASSERT_EQ(lookback.queued(), 1u);
  int ticks = 0;
  while (lookback.queued() > 0 && ticks < 100) {
    lookback.tick();
    ++ticks;
  }
  EXPECT_EQ(ticks, 2);  // c, d, then e: not a, b again
  std::vector<std::string> urls;
  for (const Alert& a : publisher_.sent) urls.push_back(a.url);
  EXPECT_EQ(urls, (std::vector<std::string>{"https://news.example/a", "https://news.example/b",
                                            "https://news.example/c", "https://news.example/d",
                                            "https://news.example/e"}));
  auto left = store_->lookbacks();
  ASSERT_TRUE(left.has_value()) << left.error().message;
  EXPECT_TRUE(left->empty());  // done: a second restart resumes nothing
}

TEST_F(LookbackTest, ALookbackWhoseRuleIsGoneIsNotResumed) {
  keep("a", "Talks in Tripoli.", 5h);
  keep("b", "Talks in Tripoli.", 5h);
  {
    Delivery delivery(*store_, publisher_, clock_, {});
    Lookback lookback(*store_, delivery, clock_, 1);
    lookback.add(tripoli(24h));
    lookback.tick();
  }
  reopen();
  Delivery delivery(*store_, publisher_, clock_, {});
  Lookback lookback(*store_, delivery, clock_, 1);
  // The rule is still there but no longer looks back.
  lookback.resume(std::vector<Watchlist>{watchlist("libya", {rule("tripoli", "Tripoli", {})})});
  EXPECT_EQ(lookback.queued(), 0u);
  auto left = store_->lookbacks();
  ASSERT_TRUE(left.has_value()) << left.error().message;
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace nw
