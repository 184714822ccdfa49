// Delivery over the real store, a fake publisher and a fake clock: publishing
// order and retries, heartbeats, and retention in small batches.
#include "daemon/delivery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "tests/support/fakes.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DeliveryTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("delivery_test_" + std::to_string(std::random_device{}()));
    auto s = open_sqlite_store(dir_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void record(int n) {
    for (int i = 0; i < n; ++i) {
      const std::string key = "k" + std::to_string(next_++);
      ASSERT_TRUE(store_->finish_item("s", key, key, {Alert{.watchlist = "libya", .rule = "r"}}));
    }
  }
  std::size_t kept() { return store_->alerts_since(0, "", 100000)->size(); }

  fs::path dir_;
  std::unique_ptr<Store> store_;
  test::FakePublisher publisher_;
  test::FakeClock clock_;
  int next_ = 0;
};

TEST_F(DeliveryTest, PublishesInSeqOrderAndRetriesWhatFailed) {
  Delivery d(*store_, publisher_, clock_, {});
  record(3);
  publisher_.broken = true;
  d.tick();
  EXPECT_TRUE(publisher_.records.empty());
  EXPECT_EQ(store_->unpublished_alerts(10)->size(), 3u);
  publisher_.broken = false;
  d.tick();
  ASSERT_EQ(publisher_.records.size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_EQ(publisher_.records[i].seq, i + 1);
  EXPECT_TRUE(store_->unpublished_alerts(10)->empty());
  EXPECT_EQ(d.alerts_published(), 3u);
}

TEST_F(DeliveryTest, DeletesAlertsOlderThanKeepAlertsABatchAtATime) {
  record(1200);
  Delivery d(*store_, publisher_, clock_,
             {.keep_alerts = std::chrono::days(90), .prune_batch = 500, .prune_every = 60s});
  clock_.set(std::chrono::system_clock::now());
  d.tick();  // publishes them all; none is old enough to go
  EXPECT_EQ(publisher_.records.size(), 1200u);
  EXPECT_EQ(kept(), 1200u);
  clock_.advance(std::chrono::days(91));
  d.tick();
  EXPECT_EQ(kept(), 700u);  // one batch per tick...
  d.tick();
  EXPECT_EQ(kept(), 700u);  // ...and the next one a second later, between other work
  clock_.advance(1s);
  d.tick();
  EXPECT_EQ(kept(), 200u);
  clock_.advance(1s);
  d.tick();
  EXPECT_EQ(kept(), 0u);
  EXPECT_EQ(store_->alert_log()->last_seq, 1200u);
  record(1);
  d.publish_recorded();  // what the Watcher calls once it recorded alerts
  EXPECT_EQ(publisher_.records.back().seq, 1201u);
}

TEST_F(DeliveryTest, DeletesArticlesKeptLongerThanKeepArticlesABatchAtATime) {
  for (int i = 0; i < 700; ++i) {
    const std::string key = "a" + std::to_string(i);
    const KeptArticle a{.source_id = "s",
                        .item_key = key,
                        .article_key = key,
                        .text = "text",
                        .kept = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now())};
    ASSERT_TRUE(store_->finish_and_keep("s", key, key, {}, a));
  }
  auto kept_articles = [this] { return store_->kept_articles({}, 0, 100000)->size(); };
  Delivery d(*store_, publisher_, clock_,
             {.keep_articles = std::chrono::days(14), .prune_batch = 500, .prune_every = 60s});
  d.tick();
  EXPECT_EQ(kept_articles(), 700u);
  clock_.advance(std::chrono::days(15));
  d.tick();
  EXPECT_EQ(kept_articles(), 200u);  // one batch...
  EXPECT_EQ(d.tick(), 1000ms);       // ...the next due a second later
  clock_.advance(1s);
  d.tick();
  EXPECT_EQ(kept_articles(), 0u);
  EXPECT_EQ(store_->source_counts()->at("s").items, 700u);  // the items stay
}

TEST_F(DeliveryTest, KeepArticlesOffDeletesWhatAnEarlierRunKept) {
  const KeptArticle a{.source_id = "s",
                      .item_key = "a",
                      .article_key = "a",
                      .text = "text",
                      .kept = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now())};
  ASSERT_TRUE(store_->finish_and_keep("s", "a", "a", {}, a));
  clock_.advance(1s);
  Delivery d(*store_, publisher_, clock_, {.keep_articles = 0s});
  d.tick();
  EXPECT_TRUE(store_->kept_articles({}, 0, 10)->empty());
}

TEST_F(DeliveryTest, TickSaysWhenTheNextHeartbeatIsDue) {
  Delivery d(*store_, publisher_, clock_, {.heartbeat = 5s});
  d.tick();
  ASSERT_EQ(publisher_.heartbeats.size(), 1u);
  EXPECT_EQ(publisher_.heartbeats[0], R"({"v":1,"seq":0,"time":"2020-06-03T09:00:00Z"})");
  clock_.advance(2s);
  EXPECT_EQ(d.tick(), 3000ms);
}

}  // namespace
}  // namespace nw
