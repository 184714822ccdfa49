#include "daemon/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "daemon/zlib_codec.h"

namespace nw {
namespace {

namespace fs = std::filesystem;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

// Runs `sql` on the database file through a separate connection (as another
// process would) and returns the first column of the first row, or "ERROR: ...".
std::string sql(const fs::path& db_path, const std::string& statement) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    out = std::string("ERROR: ") + sqlite3_errmsg(db);
    sqlite3_close(db);
    return out;
  }
  auto first = [](void* o, int, char** v, char**) {
    auto* s = static_cast<std::string*>(o);
    if (s->empty() && v[0]) *s = v[0];
    return 0;
  };
  char* err = nullptr;
  if (sqlite3_exec(db, statement.c_str(), first, &out, &err) != SQLITE_OK) {
    out = std::string("ERROR: ") + (err ? err : "?");
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return out;
}

Item item(std::string key, std::string title = "") {
  Item it;
  it.link = "https://alrasifa.example/" + key;
  it.key = std::move(key);
  it.title = std::move(title);
  return it;
}

Alert alert(std::string watchlist, std::string rule, std::string title = "حفتر في القاهرة") {
  Alert a;
  a.watchlist = std::move(watchlist);
  a.rule = std::move(rule);
  a.source = "alrasifa";
  a.url = "https://alrasifa.example/a";
  a.title = std::move(title);
  a.fetched = sys_seconds{1591175850s};
  a.published = sys_seconds{1591175700s};
  a.matched = {"حفتر", "للقاهرة"};
  a.snippet = "زيارة حفتر للقاهرة";
  return a;
}

std::vector<std::string> keys(const std::vector<Item>& items) {
  std::vector<std::string> k;
  for (const auto& i : items) k.push_back(i.key);
  return k;
}

std::vector<std::uint64_t> seqs(const std::vector<Alert>& alerts) {
  std::vector<std::uint64_t> s;
  for (const auto& a : alerts) s.push_back(a.seq);
  return s;
}

class StoreTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("nw_store_test_" + std::to_string(::getpid()) + "_" + info->name()) / "state";
    fs::remove_all(dir_.parent_path());
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_.parent_path());
  }

  std::unique_ptr<Store> open() {
    auto s = open_sqlite_store(dir_);
    EXPECT_TRUE(s.has_value()) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }
  // A new Store on the same directory, as after a daemon restart.
  void reopen() {
    store_.reset();
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  fs::path db_path() const { return dir_ / "newswatch.db"; }

  std::vector<Item> add(std::string_view source, std::vector<Item> items, bool finished = false) {
    auto r = store_->add_items(source, items, finished);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<Item>{};
  }
  std::vector<std::string> pending(std::string_view source) {
    auto r = store_->pending_items(source);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? keys(*r) : std::vector<std::string>{};
  }
  std::vector<Alert> finish(std::string_view source, std::string_view key,
                            std::string_view article_key, std::vector<Alert> alerts) {
    auto r = store_->finish_item(source, key, article_key, std::move(alerts));
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<Alert>{};
  }
  std::vector<Alert> unpublished() {
    auto r = store_->unpublished_alerts(1000);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    std::vector<Alert> out;
    for (const RecordedAlert& rec : r ? *r : std::vector<RecordedAlert>{}) {
      auto a = alert_from_json(rec.json);
      EXPECT_TRUE(a.has_value()) << rec.json;
      EXPECT_EQ(rec.topic, a->topic());
      EXPECT_EQ(rec.seq, a->seq);
      if (a) out.push_back(std::move(*a));
    }
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreatesDirectoryAndSchemaInWalMode) {
  EXPECT_TRUE(fs::is_regular_file(db_path()));
  EXPECT_EQ(sql(db_path(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
  EXPECT_EQ(sql(db_path(),
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                "('sources', 'items', 'alerts', 'counters', 'articles')"),
            "5");
}

TEST_F(StoreTest, SourceDefaultsThenSavedStateSurvivesReopen) {
  auto fresh = store_->source("alrasifa");
  ASSERT_TRUE(fresh.has_value()) << fresh.error().message;
  EXPECT_EQ(fresh->url, "");
  EXPECT_EQ(fresh->config_url, "");
  EXPECT_FALSE(fresh->initialized);
  EXPECT_FALSE(fresh->last_success.has_value());

  SourceState s;
  s.config_url = "http://alrasifa.example/feed";
  s.url = "https://alrasifa.example/feed/";
  s.etag = "W/\"abc\"";
  s.last_modified = "Wed, 03 Jun 2020 09:15:00 GMT";
  s.initialized = true;
  s.disabled = true;
  s.consecutive_failures = 3;
  s.last_success = sys_seconds{1591175700s};
  s.last_attempt = sys_seconds{1591175900s};
  s.last_error = "HTTP 410 Gone";
  s.next_poll = sys_seconds{1591176000s};
  ASSERT_TRUE(store_->save_source("alrasifa", s).has_value());
  reopen();

  auto got = store_->source("alrasifa");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->config_url, s.config_url);
  EXPECT_EQ(got->url, s.url);
  EXPECT_EQ(got->etag, s.etag);
  EXPECT_EQ(got->last_modified, s.last_modified);
  EXPECT_TRUE(got->initialized);
  EXPECT_TRUE(got->disabled);
  EXPECT_EQ(got->consecutive_failures, 3);
  EXPECT_EQ(got->last_success, s.last_success);
  EXPECT_EQ(got->last_attempt, s.last_attempt);
  EXPECT_EQ(got->last_error, s.last_error);
  EXPECT_EQ(got->next_poll, s.next_poll);
  EXPECT_EQ(sql(db_path(), "SELECT last_success FROM sources WHERE id = 'alrasifa'"), "1591175700");

  // Overwrite, including back to "never".
  SourceState cleared;
  cleared.url = "https://alrasifa.example/rss";
  ASSERT_TRUE(store_->save_source("alrasifa", cleared).has_value());
  got = store_->source("alrasifa");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->url, cleared.url);
  EXPECT_EQ(got->config_url, "");
  EXPECT_EQ(got->etag, "");
  EXPECT_FALSE(got->last_success.has_value());
  EXPECT_FALSE(got->next_poll.has_value());
  EXPECT_FALSE(got->disabled);
}

TEST_F(StoreTest, ArticlesRobotsTxtDisallowedAreCountedPerSourceAcrossReopen) {
  for (const char* id : {"a", "a", "ab", "a"}) ASSERT_TRUE(store_->count_robots_skipped(id));
  reopen();
  auto counts = store_->source_counts();
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ((*counts)["a"].robots_skipped, 3u);
  EXPECT_EQ((*counts)["ab"].robots_skipped, 1u);
  EXPECT_EQ((*counts)["a"].items, 0u);
  EXPECT_FALSE(counts->contains("alert_seq"));  // the other counters are not sources
}

TEST_F(StoreTest, LookbackProgressIsSavedUpdatedInPlaceAndEnded) {
  const std::chrono::sys_seconds t = std::chrono::sys_days{std::chrono::year{2020} / 6 / 1};
  ASSERT_TRUE(store_->save_lookback({.watchlist = "libya", .rule = "a", .since = t}));
  ASSERT_TRUE(store_->save_lookback({.watchlist = "libya", .rule = "b", .since = t + 1h}));
  ASSERT_TRUE(store_->save_lookback(
      {.watchlist = "libya", .rule = "a", .since = t, .cursor = 42, .searched = 40, .alerts = 3}));
  reopen();
  auto runs = store_->lookbacks();
  ASSERT_TRUE(runs.has_value()) << runs.error().message;
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].rule, "a");  // as begun, though saved last
  EXPECT_EQ((*runs)[0].since, t);
  EXPECT_EQ((*runs)[0].cursor, 42);
  EXPECT_EQ((*runs)[0].searched, 40u);
  EXPECT_EQ((*runs)[0].alerts, 3u);
  EXPECT_EQ((*runs)[1].rule, "b");
  EXPECT_EQ((*runs)[1].since, t + 1h);
  ASSERT_TRUE(store_->end_lookback("libya", "a"));
  runs = store_->lookbacks();
  ASSERT_TRUE(runs.has_value());
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].rule, "b");
}

TEST_F(StoreTest, AddItemsReturnsOnlyNewKeysInInputOrder) {
  Item rich = item("c", "عنوان");
  rich.summary = "ملخص";
  rich.content = "<p>نص</p>";
  rich.published = sys_seconds{1591175700s};
  rich.language = "ar";
  EXPECT_EQ(keys(add("alrasifa", {item("b"), item("a"), item("b"), rich})),
            (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(keys(add("alrasifa", {item("c"), item("d"), item("a")})),
            (std::vector<std::string>{"d"}));
  // Keys are per source.
  EXPECT_EQ(keys(add("bbc-ar", {item("a")})), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(add("alrasifa", {}).empty());

  auto p = store_->pending_items("alrasifa");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  ASSERT_EQ(keys(*p), (std::vector<std::string>{"b", "a", "c", "d"}));
  const Item& c = (*p)[2];
  EXPECT_EQ(c.link, "https://alrasifa.example/c");
  EXPECT_EQ(c.title, "عنوان");
  EXPECT_EQ(c.summary, "ملخص");
  EXPECT_EQ(c.content, "<p>نص</p>");
  EXPECT_EQ(c.published, rich.published);
  EXPECT_EQ(c.attempts, 0);
  EXPECT_EQ(c.language, "ar");
  EXPECT_EQ((*p)[0].language, "");
  EXPECT_FALSE((*p)[0].published.has_value());
}

// Version 9 -> 10: the rules, sources and health pages count alerts by rule
// since a time and by source per request: from an index, not a scan of
// 100,000 alerts' rows.
TEST_F(StoreTest, MigratesAVersionNineFileAddingTheAlertCountIndexes) {
  const std::string count =
      "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
      "('alerts_topic_created', 'alerts_source')";
  EXPECT_EQ(sql(db_path(), count), "2");
  store_.reset();
  ASSERT_EQ(
      sql(db_path(),
          "DROP INDEX alerts_topic_created; DROP INDEX alerts_source; PRAGMA user_version = 9"),
      "");
  EXPECT_EQ(sql(db_path(), count), "0");
  reopen();
  EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
  EXPECT_EQ(sql(db_path(), count), "2");
}

// Version 6 (and a version 7 from another branch) -> 8: items gain the
// declared language, "" for those recorded before; new ones keep theirs.
TEST_F(StoreTest, MigratesAVersionSixOrSevenFileAddingItemsLanguage) {
  for (const char* version : {"6", "7"}) {
    SCOPED_TRACE(version);
    add("alrasifa", {item(std::string("old") + version)});
    store_.reset();
    ASSERT_EQ(sql(db_path(), std::string("ALTER TABLE items DROP COLUMN language; "
                                         "ALTER TABLE sources DROP COLUMN polls_day; "
                                         "PRAGMA user_version = ") +
                                 version),
              "");
    reopen();
    EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
    Item fresh = item(std::string("new") + version);
    fresh.language = "fr";
    add("alrasifa", {fresh});
    auto p = store_->pending_items("alrasifa");
    ASSERT_TRUE(p.has_value()) << p.error().message;
    ASSERT_EQ(p->size(), version[0] == '6' ? 2u : 4u);
    EXPECT_EQ(p->at(p->size() - 2).language, "");
    EXPECT_EQ(p->back().language, "fr");
  }
}

TEST_F(StoreTest, AddItemsAsFinishedIsNotPending) {
  EXPECT_EQ(keys(add("alrasifa", {item("old1"), item("old2")}, /*finished=*/true)),
            (std::vector<std::string>{"old1", "old2"}));
  EXPECT_TRUE(pending("alrasifa").empty());
  EXPECT_TRUE(add("alrasifa", {item("old1")}).empty());
}

TEST_F(StoreTest, RecordAttemptCountsAndRejectsUnknownItem) {
  add("alrasifa", {item("a")});
  ASSERT_TRUE(store_->record_attempt("alrasifa", "a").has_value());
  ASSERT_TRUE(store_->record_attempt("alrasifa", "a").has_value());
  auto p = store_->pending_items("alrasifa");
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].attempts, 2);

  auto r = store_->record_attempt("alrasifa", "nope");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_NE(r.error().message.find("nope"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(db_path().string()), std::string::npos) << r.error().message;
}

TEST_F(StoreTest, FinishItemNumbersKeepsNewAlertsAndFinishesItem) {
  add("alrasifa", {item("a"), item("b"), item("c")});
  auto kept = finish("alrasifa", "a", "https://alrasifa.example/a",
                     {alert("libya", "haftar"), alert("libya", "cairo")});
  EXPECT_EQ(seqs(kept), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(kept[1].rule, "cairo");
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"b", "c"}));

  // The same article under another item key (or another source): the
  // (watchlist, rule, article_key) already alerted is dropped, a new rule kept.
  kept = finish("alrasifa", "b", "https://alrasifa.example/a",
                {alert("libya", "haftar"), alert("egypt", "haftar")});
  EXPECT_EQ(seqs(kept), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(kept[0].watchlist, "egypt");
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"c"}));

  // Duplicates within one call: the first is kept. No alerts: just finished.
  kept = finish("alrasifa", "c", "https://alrasifa.example/c",
                {alert("libya", "haftar", "first"), alert("libya", "haftar", "second")});
  ASSERT_EQ(seqs(kept), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(kept[0].title, "first");
  EXPECT_TRUE(finish("alrasifa", "c", "https://alrasifa.example/c", {}).empty());
  EXPECT_TRUE(pending("alrasifa").empty());

  // What is stored is what was returned, seq included in the JSON.
  auto stored = unpublished();
  ASSERT_EQ(seqs(stored), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(to_json(stored[3]), to_json(kept[0]));
  EXPECT_EQ(sql(db_path(), "SELECT json FROM alerts WHERE seq = 4"), to_json(kept[0]));
}

TEST_F(StoreTest, FinishItemNeverAddedRecordsItFinished) {
  auto kept = finish("cli", "one-off", "https://example.com/x", {alert("libya", "haftar")});
  EXPECT_EQ(seqs(kept), (std::vector<std::uint64_t>{1}));
  EXPECT_TRUE(pending("cli").empty());
  EXPECT_TRUE(add("cli", {item("one-off")}).empty());
  EXPECT_EQ(sql(db_path(), "SELECT finished FROM items WHERE source_id = 'cli'"), "1");
}

TEST_F(StoreTest, MarkPublishedRemovesFromUnpublished) {
  finish("s", "a", "art-a", {alert("w", "r1"), alert("w", "r2"), alert("w", "r3")});
  ASSERT_TRUE(store_->mark_published(2).has_value());
  EXPECT_EQ(seqs(unpublished()), (std::vector<std::uint64_t>{1, 3}));
  ASSERT_TRUE(store_->mark_published(2).has_value());  // idempotent
  ASSERT_TRUE(store_->mark_published(1).has_value());
  ASSERT_TRUE(store_->mark_published(3).has_value());
  EXPECT_TRUE(unpublished().empty());

  auto r = store_->mark_published(99);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalid);
  EXPECT_NE(r.error().message.find("99"), std::string::npos) << r.error().message;
}

TEST_F(StoreTest, MarkPublishedMarksABatchInOneTransactionOrNone) {
  finish("s", "a", "art-a", {alert("w", "r1"), alert("w", "r2"), alert("w", "r3")});
  const std::vector<std::uint64_t> with_unknown{1, 99, 2};
  auto r = store_->mark_published(with_unknown);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("99"), std::string::npos) << r.error().message;
  EXPECT_EQ(seqs(unpublished()), (std::vector<std::uint64_t>{1, 2, 3}));  // 1 not marked either
  const std::vector<std::uint64_t> sent{1, 3};
  ASSERT_TRUE(store_->mark_published(sent).has_value());
  EXPECT_EQ(seqs(unpublished()), (std::vector<std::uint64_t>{2}));
}

TEST_F(StoreTest, RestartRepeatsNothingAndLosesNothing) {
  add("alrasifa", {item("a"), item("b"), item("c")});
  finish("alrasifa", "a", "art-a", {alert("libya", "haftar"), alert("libya", "cairo")});
  ASSERT_TRUE(store_->mark_published(1).has_value());
  ASSERT_TRUE(store_->record_attempt("alrasifa", "b").has_value());
  reopen();

  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"b", "c"}));
  auto p = store_->pending_items("alrasifa");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ((*p)[0].attempts, 1);
  EXPECT_TRUE(add("alrasifa", {item("a"), item("b")}).empty());
  auto left = unpublished();
  ASSERT_EQ(seqs(left), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(left[0].rule, "cairo");
  EXPECT_EQ(left[0].matched, (std::vector<std::string>{"حفتر", "للقاهرة"}));

  // Dedupe and numbering continue across the restart.
  auto kept = finish("alrasifa", "b", "art-a", {alert("libya", "haftar"), alert("libya", "x")});
  EXPECT_EQ(seqs(kept), (std::vector<std::uint64_t>{3}));
  reopen();
  kept = finish("alrasifa", "c", "art-c", {alert("libya", "haftar")});
  EXPECT_EQ(seqs(kept), (std::vector<std::uint64_t>{4}));
  EXPECT_TRUE(pending("alrasifa").empty());
}

TEST_F(StoreTest, FailedFinishItemLeavesNothing) {
  add("alrasifa", {item("a")});
  // Inject a failure after the alerts are inserted: marking the item finished aborts.
  ASSERT_EQ(sql(db_path(),
                "CREATE TRIGGER fail_finish BEFORE UPDATE OF finished ON items "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");
  auto r = store_->finish_item("alrasifa", "a", "art-a", {alert("libya", "haftar")});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_NE(r.error().message.find("injected failure"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(db_path().string()), std::string::npos) << r.error().message;

  EXPECT_TRUE(unpublished().empty());
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM alerts"), "0");
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"a"}));

  // Once the fault is gone the same alert is kept, with the first seq.
  ASSERT_EQ(sql(db_path(), "DROP TRIGGER fail_finish"), "");
  EXPECT_EQ(seqs(finish("alrasifa", "a", "art-a", {alert("libya", "haftar")})),
            (std::vector<std::uint64_t>{1}));
}

TEST_F(StoreTest, FailedAddItemsLeavesNothing) {
  ASSERT_EQ(sql(db_path(),
                "CREATE TRIGGER fail_add BEFORE INSERT ON items WHEN NEW.key = 'bad' "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");
  auto r =
      store_->add_items("alrasifa", std::vector<Item>{item("a"), item("bad"), item("c")}, false);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("injected failure"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("'bad'"), std::string::npos) << r.error().message;
  EXPECT_TRUE(pending("alrasifa").empty());
  EXPECT_EQ(keys(add("alrasifa", {item("a"), item("c")})), (std::vector<std::string>{"a", "c"}));
}

TEST_F(StoreTest, OtherWriterHoldingTheLockIsAnErrorNotAHang) {
  // A second connection holds the write lock longer than the busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto start = std::chrono::steady_clock::now();
  auto r = store_->add_items("alrasifa", std::vector<Item>{item("a")}, false);
  auto waited = std::chrono::steady_clock::now() - start;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("database is locked"), std::string::npos) << r.error().message;
  EXPECT_GE(waited, 1s);  // it did wait for the lock (busy_timeout) before giving up
  EXPECT_EQ(keys(add("alrasifa", {item("a")})), (std::vector<std::string>{"a"}));
}

TEST_F(StoreTest, CorruptedFileIsAnErrorNamingThePath) {
  store_.reset();
  fs::remove(dir_ / "newswatch.db-wal");
  fs::remove(dir_ / "newswatch.db-shm");
  {
    std::ofstream out(db_path(), std::ios::binary | std::ios::trunc);
    for (int i = 0; i < 512; ++i)
      out << "this is not an SQLite database, just garbage \x01\x02\xff\n";
  }
  auto s = open_sqlite_store(dir_);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kIo);
  EXPECT_NE(s.error().message.find(db_path().string()), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("file is not a database"), std::string::npos)
      << s.error().message;
}

TEST_F(StoreTest, NewerSchemaVersionIsRefused) {
  store_.reset();
  ASSERT_EQ(sql(db_path(), "PRAGMA user_version = 11"), "");
  auto s = open_sqlite_store(dir_);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  EXPECT_NE(s.error().message.find("schema version 11"), std::string::npos) << s.error().message;
}

TEST_F(StoreTest, DirectoryThatIsAFileIsAnError) {
  const fs::path file = dir_.parent_path() / "plain-file";
  std::ofstream(file) << "x";
  auto s = open_sqlite_store(file / "state");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kIo);
  EXPECT_NE(s.error().message.find(file.string()), std::string::npos) << s.error().message;
}

TEST_F(StoreTest, IdentityAndPollIntervalSurviveReopen) {
  SourceState st;
  st.config_url = st.url = "https://alrasifa.example/feed";
  st.identity = ItemIdentity::kLink;
  st.poll_interval = 1200s;
  ASSERT_TRUE(store_->save_source("alrasifa", st).has_value());
  reopen();
  auto got = store_->source("alrasifa");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->identity, ItemIdentity::kLink);
  EXPECT_EQ(got->poll_interval, std::optional(1200s));
  st.identity = ItemIdentity::kHash;
  st.poll_interval.reset();
  ASSERT_TRUE(store_->save_source("alrasifa", st).has_value());
  got = store_->source("alrasifa");
  EXPECT_EQ(got->identity, ItemIdentity::kHash);
  EXPECT_FALSE(got->poll_interval.has_value());
  EXPECT_EQ(store_->source("never-seen")->identity, ItemIdentity::kId);
}

TEST_F(StoreTest, PollsByHourSurviveReopen) {
  SourceState st;
  st.polls.record(std::chrono::sys_seconds(86'400s), true);
  st.polls.record(std::chrono::sys_seconds(86'400s + 3'600s), false);
  ASSERT_TRUE(store_->save_source("alrasifa", st).has_value());
  reopen();
  auto got = store_->source("alrasifa");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->polls, st.polls);
  EXPECT_EQ(got->polls.hours[22].ok, 1u);
  EXPECT_EQ(got->polls.hours[23].failed, 1u);
}

TEST_F(StoreTest, KeysForLinksFindsItemsUnderAnyKey) {
  Item a = item("id:1"), b = item("id:2"), c = item("id:3");
  a.canonical_link = "https://x.example/a";
  b.canonical_link = "https://x.example/b";
  c.canonical_link = "https://x.example/a";  // the same article reissued under a new id
  add("s", {a, b, c});
  add("other", {a});
  const std::vector<std::string> links = {"https://x.example/a", "https://x.example/zzz", ""};
  auto r = store_->keys_for_links("s", links);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  std::set<std::pair<std::string, std::string>> got(r->begin(), r->end());
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{{"https://x.example/a", "id:1"},
                                                                {"https://x.example/a", "id:3"}}));
}

TEST_F(StoreTest, RequeueEditedReturnsOnlyChangedDigestsAndMakesThemPending) {
  Item a = item("a", "old title"), b = item("b"), legacy = item("legacy");
  a.digest = "d1";
  b.digest = "d2";
  add("s", {a, b, legacy});
  for (const char* k : {"a", "b", "legacy"}) finish("s", k, k, {});
  ASSERT_TRUE(store_->record_attempt("s", "a").has_value());
  EXPECT_TRUE(pending("s").empty());

  Item a2 = a, b2 = b, legacy2 = legacy, unknown = item("unknown");
  a2.digest = "d1-edited";
  a2.title = "new title";
  a2.summary = "new summary";
  a2.canonical_link = "https://alrasifa.example/a-moved";
  legacy2.digest = "first-digest";  // recorded without one: just gets it
  unknown.digest = "x";
  auto r = store_->requeue_edited("s", std::vector<Item>{a2, b2, legacy2, unknown});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(keys(*r), (std::vector<std::string>{"a"}));
  auto p = store_->pending_items("s");
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 1u);
  EXPECT_EQ((*p)[0].title, "new title");
  EXPECT_EQ((*p)[0].summary, "new summary");
  EXPECT_EQ((*p)[0].canonical_link, "https://alrasifa.example/a-moved");
  EXPECT_EQ((*p)[0].digest, "d1-edited");
  EXPECT_EQ((*p)[0].attempts, 0);
  // The same content again is no edit; nor is legacy's digest now.
  legacy2.digest = "first-digest";
  r = store_->requeue_edited("s", std::vector<Item>{a2, legacy2});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

// Undoes migrations 10 (the alert count indexes), 9 (sources' polls by hour), 8
// (items' declared language), 6 (story sources), 5 (lookbacks), 4 (the article
// archive) and 3 (stories).
constexpr const char* kBackToVersion2 =
    "DROP INDEX alerts_topic_created; DROP INDEX alerts_source; "
    "ALTER TABLE sources DROP COLUMN polls_day; "
    "ALTER TABLE items DROP COLUMN language; DROP TABLE story_sources; DROP TABLE lookbacks; DROP "
    "TABLE articles; DROP TABLE stories; DROP "
    "TABLE story_articles; "
    "DROP INDEX alerts_story; "
    "ALTER TABLE alerts DROP COLUMN story; ALTER TABLE alerts DROP COLUMN suppressed; "
    "PRAGMA user_version = 2";

TEST_F(StoreTest, MigratesAVersionTwoFileKeepingItsAlerts) {
  finish("alrasifa", "k1", "https://alrasifa.example/a", {alert("libya", "haftar")});
  store_.reset();
  ASSERT_EQ(sql(db_path(), kBackToVersion2), "");
  reopen();
  EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM alerts WHERE story = '' AND suppressed = 0"), "1");
  auto since = store_->alerts_since(0, "", 10);
  ASSERT_TRUE(since.has_value()) << since.error().message;
  EXPECT_EQ(since->size(), 1u);
  auto lookbacks = store_->lookbacks();  // version 5's table
  ASSERT_TRUE(lookbacks.has_value()) << lookbacks.error().message;
}

TEST_F(StoreTest, MigratesAVersionOneFileKeepingItsData) {
  SourceState st;
  st.config_url = st.url = "https://alrasifa.example/feed";
  st.etag = "\"e\"";
  ASSERT_TRUE(store_->save_source("alrasifa", st).has_value());
  add("alrasifa", {item("k1")});
  store_.reset();
  // Back to the version 1 layout, as an older newswatch left it.
  ASSERT_EQ(sql(db_path(), kBackToVersion2), "");
  ASSERT_EQ(sql(db_path(),
                "DROP INDEX items_canon; ALTER TABLE items DROP COLUMN canon; "
                "ALTER TABLE items DROP COLUMN digest; "
                "ALTER TABLE sources DROP COLUMN identity; "
                "ALTER TABLE sources DROP COLUMN poll_interval; PRAGMA user_version = 1"),
            "");
  reopen();
  EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
  auto got = store_->source("alrasifa");
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->etag, "\"e\"");
  EXPECT_EQ(got->identity, ItemIdentity::kId);
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"k1"}));
  EXPECT_TRUE(add("alrasifa", {item("k1")}).empty());
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

TEST_F(StoreTest, AlertsSinceReplaysInSeqOrderPublishedOrNot) {
  finish("alrasifa", "a", "art-a", {alert("libya", "haftar"), alert("libya", "sisi")});
  finish("alrasifa", "b", "art-b", {alert("libya", "haftar")});
  ASSERT_TRUE(store_->mark_published(1).has_value());
  auto all = store_->alerts_since(0, "", 100);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].seq, 1u);
  EXPECT_EQ((*all)[2].seq, 3u);
  EXPECT_EQ((*all)[2].topic, "libya/haftar");
  EXPECT_NE((*all)[2].json.find(R"("seq":3,)"), std::string::npos);
  auto tail = store_->alerts_since(1, "", 1);
  ASSERT_TRUE(tail.has_value());
  ASSERT_EQ(tail->size(), 1u);
  EXPECT_EQ((*tail)[0].seq, 2u);
  EXPECT_TRUE(store_->alerts_since(3, "", 10)->empty());
}

// Topic prefixes compare bytes, as ZeroMQ does: no wildcards, no case folding.
TEST_F(StoreTest, AlertsSinceFiltersByTopicPrefix) {
  finish("s", "a", "art-a",
         {alert("libya", "haftar_cairo"), alert("libya", "haftarXcairo"), alert("ليبيا", "حفتر"),
          alert("Libya", "haftar_cairo")});
  auto seqs = [&](std::string_view prefix) {
    std::vector<std::uint64_t> out;
    auto rows = store_->alerts_since(0, prefix, 100);
    EXPECT_TRUE(rows.has_value());
    for (const auto& r : *rows) out.push_back(r.seq);
    return out;
  };
  EXPECT_EQ(seqs(""), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(seqs("libya/"), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(seqs("libya/haftar_"), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(seqs("ليبيا/"), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(seqs("ليبيا/حفتر"), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(seqs("libya/haftar_cairo/more"), (std::vector<std::uint64_t>{}));
  EXPECT_EQ(seqs("%"), (std::vector<std::uint64_t>{}));
}

// The Atom feed's query: newest first, before a seq, by topic prefix.
TEST_F(StoreTest, LatestAlertsPageBackwardsByTopic) {
  finish("s", "a", "art-a",
         {alert("libya", "haftar"), alert("egypt", "sisi"), alert("libya", "cairo"),
          alert("libya", "mercenaries")});
  auto seqs = [&](std::uint64_t before, std::string_view prefix, std::size_t limit) {
    std::vector<std::uint64_t> out;
    auto rows = store_->latest_alerts(before, prefix, limit);
    EXPECT_TRUE(rows.has_value()) << rows.error().message;
    for (const auto& r : *rows) out.push_back(r.seq);
    return out;
  };
  EXPECT_EQ(seqs(UINT64_MAX, "", 10), (std::vector<std::uint64_t>{4, 3, 2, 1}));
  EXPECT_EQ(seqs(UINT64_MAX, "libya/", 2), (std::vector<std::uint64_t>{4, 3}));
  EXPECT_EQ(seqs(3, "libya/", 2), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(seqs(UINT64_MAX, "egypt/", 10), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(seqs(1, "", 10), (std::vector<std::uint64_t>{}));
}

TEST_F(StoreTest, PruningDeletesOnlyPublishedAlertsInBatchesAndKeepsTheCounter) {
  auto log = store_->alert_log();
  ASSERT_TRUE(log.has_value());
  EXPECT_EQ(log->last_seq, 0u);
  EXPECT_FALSE(log->oldest_seq.has_value());
  for (int i = 0; i < 5; ++i) {
    finish("s", "k" + std::to_string(i), "art-" + std::to_string(i), {alert("libya", "haftar")});
  }
  for (std::uint64_t seq : {1, 2, 3, 5}) ASSERT_TRUE(store_->mark_published(seq).has_value());
  const auto later = std::chrono::time_point_cast<std::chrono::seconds>(
      std::chrono::system_clock::now() + std::chrono::hours(1));
  const auto earlier = later - std::chrono::hours(2);
  EXPECT_EQ(*store_->prune_alerts(earlier, 10), 0u);  // nothing that old
  EXPECT_EQ(*store_->prune_alerts(later, 2), 2u);     // a batch: seq 1 and 2
  log = store_->alert_log();
  EXPECT_EQ(log->last_seq, 5u);
  EXPECT_EQ(log->oldest_seq, 3u);
  EXPECT_EQ(*store_->prune_alerts(later, 10), 2u);  // 3 and 5; 4 is unpublished
  log = store_->alert_log();
  EXPECT_EQ(log->oldest_seq, 4u);
  ASSERT_TRUE(store_->mark_published(4).has_value());
  EXPECT_EQ(*store_->prune_alerts(later, 10), 1u);
  log = store_->alert_log();
  EXPECT_EQ(log->last_seq, 5u);  // the counter survives: seq never goes back
  EXPECT_FALSE(log->oldest_seq.has_value());
  auto next = finish("s", "k9", "art-9", {alert("libya", "haftar")});
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].seq, 6u);
}

KeptArticle kept_article(std::string key, std::int64_t kept_at, std::string text = "") {
  KeptArticle a;
  a.source_id = "alrasifa";
  a.item_key = key;
  a.article_key = "https://alrasifa.example/" + key;
  a.url = a.article_key;
  a.title = "حفتر في القاهرة " + key;
  a.text = text.empty() ? "وصل المشير خليفة حفتر إلى القاهرة. " + key : text;
  a.language = "ar";
  a.published = sys_seconds{std::chrono::seconds{kept_at - 60}};
  a.kept = sys_seconds{std::chrono::seconds{kept_at}};
  return a;
}

TEST_F(StoreTest, KeepsTheMatchedTextCompressedWithTheItemsFinish) {
  add("alrasifa", {item("a")});
  std::string long_text;
  for (int i = 0; i < 200; ++i) {
    long_text += "وأكدت المصادر أن المحادثات تناولت تطورات الأوضاع الراهنة في ليبيا. ";
  }
  const KeptArticle a = kept_article("a", 1000, long_text);
  auto r = store_->finish_and_keep("alrasifa", "a", a.article_key, {alert("libya", "haftar")}, a);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->size(), 1u);
  EXPECT_TRUE(pending("alrasifa").empty());  // finished in the same call
  // Stored compressed: far below the text's size.
  const std::string stored = sql(db_path(), "SELECT length(body) FROM articles");
  EXPECT_LT(std::stoul(stored) * 5, long_text.size()) << stored;

  reopen();
  auto got = store_->kept_articles(sys_seconds{0s}, 0, 10);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  const KeptArticle& g = (*got)[0];
  EXPECT_GT(g.id, 0);
  EXPECT_EQ(g.source_id, "alrasifa");
  EXPECT_EQ(g.item_key, "a");
  EXPECT_EQ(g.article_key, a.article_key);
  EXPECT_EQ(g.url, a.url);
  EXPECT_EQ(g.title, a.title);
  EXPECT_EQ(g.text, long_text);  // byte for byte
  EXPECT_EQ(g.language, "ar");
  EXPECT_EQ(g.published, a.published);
  EXPECT_EQ(g.kept, a.kept);
}

// The pipeline's batch: several items in one transaction, all or none, each
// with the alerts finish_item would keep; an archive body compressed by the
// caller (a worker) is kept as it is, one left empty is compressed here.
TEST_F(StoreTest, FinishItemsRecordsTheBatchInOneTransactionOrNothing) {
  add("alrasifa", {item("a"), item("b"), item("c")});
  auto batch = [&] {
    std::vector<FinishedItem> items(3);
    for (int i = 0; i < 3; ++i) {
      const std::string key(1, static_cast<char>('a' + i));
      items[i] = {.source_id = "alrasifa",
                  .key = key,
                  .article_key = "art-" + key,
                  .alerts = {alert("libya", "haftar"), alert("libya", "tripoli")}};
    }
    items[0].article = kept_article("a", 1000, "نص المقال الأول");
    ZlibCodec zlib;
    items[0].compressed = *zlib.compress(items[0].article->text);
    items[2].article = kept_article("c", 1001, "نص المقال الثالث");
    return items;
  };
  // The last item's finish fails: the first two are not recorded either.
  ASSERT_EQ(sql(db_path(),
                "CREATE TRIGGER fail_c BEFORE UPDATE OF finished ON items WHEN NEW.key = 'c' "
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"),
            "");
  auto items = batch();
  auto failed = store_->finish_items(items);
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(failed.error().message.find("injected failure"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM alerts"), "0");
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM articles"), "0");
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"a", "b", "c"}));

  ASSERT_EQ(sql(db_path(), "DROP TRIGGER fail_c"), "");
  items = batch();
  auto kept = store_->finish_items(items);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  ASSERT_EQ(kept->size(), 3u);
  EXPECT_EQ(seqs((*kept)[0]), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(seqs((*kept)[1]), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ(seqs((*kept)[2]), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_TRUE(pending("alrasifa").empty());
  // Recorded again (a batch repeated after a crash before its publish): nothing new.
  items = batch();
  auto again = store_->finish_items(items);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  for (const auto& alerts : *again) EXPECT_TRUE(alerts.empty());

  reopen();
  auto got = store_->kept_articles(sys_seconds{0s}, 0, 10);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].text, "نص المقال الأول");
  EXPECT_EQ((*got)[1].text, "نص المقال الثالث");
}

TEST_F(StoreTest, KeptArticlesReadsTheWindowInBatchesFromACursor) {
  for (int i = 1; i <= 7; ++i) {
    const KeptArticle a = kept_article("k" + std::to_string(i), 100 * i);
    auto r = store_->finish_and_keep("alrasifa", a.item_key, a.article_key, {}, a);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  // Kept at 300 or later: k3..k7, three at a time.
  std::vector<std::string> seen;
  std::int64_t cursor = 0;
  for (;;) {
    auto batch = store_->kept_articles(sys_seconds{300s}, cursor, 3);
    ASSERT_TRUE(batch.has_value()) << batch.error().message;
    if (batch->empty()) break;
    EXPECT_LE(batch->size(), 3u);
    for (const auto& a : *batch) seen.push_back(a.item_key);
    cursor = batch->back().id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"k3", "k4", "k5", "k6", "k7"}));
  // A window after the last article holds none.
  auto none = store_->kept_articles(sys_seconds{800s}, 0, 3);
  ASSERT_TRUE(none.has_value()) << none.error().message;
  EXPECT_TRUE(none->empty());
}

TEST_F(StoreTest, AnItemMatchedAgainIsKeptOnceAsLastRead) {
  KeptArticle a = kept_article("a", 100);
  ASSERT_TRUE(store_->finish_and_keep("alrasifa", "a", a.article_key, {}, a).has_value());
  a.text = "النص بعد التعديل";
  a.kept = sys_seconds{200s};
  ASSERT_TRUE(store_->finish_and_keep("alrasifa", "a", a.article_key, {}, a).has_value());
  auto got = store_->kept_articles(sys_seconds{0s}, 0, 10);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].text, "النص بعد التعديل");
  EXPECT_EQ((*got)[0].kept, sys_seconds{200s});
}

TEST_F(StoreTest, PruneArticlesDeletesTheOldestInBatches) {
  for (int i = 1; i <= 5; ++i) {
    const KeptArticle a = kept_article("k" + std::to_string(i), 100 * i);
    auto r = store_->finish_and_keep("alrasifa", a.item_key, a.article_key, {}, a);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
  EXPECT_EQ(*store_->prune_articles(sys_seconds{100s}, 10), 0u);  // none kept before 100
  EXPECT_EQ(*store_->prune_articles(sys_seconds{450s}, 2), 2u);   // a batch: k1, k2
  EXPECT_EQ(*store_->prune_articles(sys_seconds{450s}, 10), 2u);  // k3, k4
  auto left = store_->kept_articles(sys_seconds{0s}, 0, 10);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].item_key, "k5");
  // The items themselves stay: pruning the archive forgets no item.
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM items"), "5");
}

TEST_F(StoreTest, RecordAlertsDedupsLikeFinishAndLeavesTheItemAsItIs) {
  add("alrasifa", {item("a"), item("b")});
  finish("alrasifa", "a", "art-a", {alert("libya", "haftar")});
  // A later rule's alert on a finished item, and one that alerted already.
  auto r = store_->record_alerts("alrasifa", "a", "art-a",
                                 {alert("libya", "haftar"), alert("libya", "new-rule")});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].rule, "new-rule");
  EXPECT_EQ((*r)[0].seq, 2u);
  // On a pending item: the alert is recorded, the item stays pending.
  auto p = store_->record_alerts("alrasifa", "b", "art-b", {alert("libya", "new-rule")});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(seqs(*p), (std::vector<std::uint64_t>{3}));
  EXPECT_EQ(pending("alrasifa"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(unpublished().size(), 3u);
}

}  // namespace
}  // namespace nw

namespace nw {
namespace {

const sys_seconds kSeen{1591175700s};

StoryArticle in_story(std::string story, sys_seconds seen = kSeen,
                      std::string signature = std::string(240, 'x')) {
  return {.story = std::move(story), .signature = std::move(signature), .seen = seen};
}

Alert once(std::string rule) {
  Alert a = alert("libya", std::move(rule));
  a.once_per_story = true;
  return a;
}

class StoryStoreTest : public StoreTest {
 protected:
  std::vector<Alert> finish_in(std::string_view key, std::string_view article_key,
                               std::vector<Alert> alerts, const StoryArticle& story,
                               std::string_view source = "alrasifa") {
    auto r = store_->finish_item(source, key, article_key, std::move(alerts), story);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : std::vector<Alert>{};
  }
  std::vector<std::uint64_t> replayed() {
    auto r = store_->alerts_since(0, "", 100);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    std::vector<std::uint64_t> out;
    for (const auto& a : r ? *r : std::vector<RecordedAlert>{}) out.push_back(a.seq);
    return out;
  }
};

TEST_F(StoryStoreTest, AlertsCarryTheStoryAndItsSizeCountingEachArticleOnce) {
  auto a = finish_in("k1", "https://a.example/1", {alert("libya", "haftar")}, in_story("s1"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].story, "s1");
  EXPECT_EQ(a[0].story_size, 1u);
  auto b = finish_in("k2", "https://b.example/2", {alert("libya", "haftar")}, in_story("s1"));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].story_size, 2u);
  // The same article again (an edit) keeps its first story and is not counted again.
  auto again =
      finish_in("k2", "https://b.example/2", {alert("libya", "other")}, in_story("s-other"));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].story, "s1");
  EXPECT_EQ(again[0].story_size, 2u);
  // The bytes recorded for publishing carry them.
  const auto sent = unpublished();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[1].story, "s1");
  EXPECT_EQ(sent[1].story_size, 2u);
  auto recorded = store_->unpublished_alerts(10);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_NE(recorded->at(1).json.find(R"("story":"s1","story_size":2)"), std::string::npos);
}

TEST_F(StoryStoreTest, AlertsCountTheDistinctSourcesOfTheStory) {
  auto a =
      finish_in("k1", "https://a.example/1", {alert("libya", "haftar")}, in_story("s1"), "alwasat");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].story_sources, 1u);
  // The same source republishing the story is still one source.
  auto b =
      finish_in("k2", "https://a.example/2", {alert("libya", "haftar")}, in_story("s1"), "alwasat");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].story_size, 2u);
  EXPECT_EQ(b[0].story_sources, 1u);
  auto c = finish_in("k3", "https://b.example/3", {alert("libya", "haftar")}, in_story("s1"),
                     "libyaobserver");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].story_size, 3u);
  EXPECT_EQ(c[0].story_sources, 2u);
  // The same article again counts neither an article nor a source.
  auto again = finish_in("k3", "https://b.example/3", {alert("libya", "other")}, in_story("s1"),
                         "libyaobserver");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].story_sources, 2u);
  // Persisted with the story: after a restart a third source makes three.
  reopen();
  auto d = finish_in("k4", "https://c.example/4", {alert("libya", "haftar")},
                     in_story("s1", kSeen + 1h), "alrasifa");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].story_size, 4u);
  EXPECT_EQ(d[0].story_sources, 3u);
  auto recorded = store_->unpublished_alerts(10);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_NE(recorded->back().json.find(R"("story":"s1","story_size":4,"story_sources":3)"),
            std::string::npos)
      << recorded->back().json;
  EXPECT_EQ(sql(db_path(),
                "SELECT group_concat(source_id) FROM (SELECT source_id FROM story_sources "
                "ORDER BY first_seen, source_id)"),
            "alwasat,libyaobserver,alrasifa");
}

TEST_F(StoryStoreTest, TopStoriesAreTheOnesWithTheMostSourcesSeenInTheWindow) {
  auto titled = [](std::string story, sys_seconds seen, std::string title) {
    StoryArticle a = in_story(std::move(story), seen);
    a.title = std::move(title);
    return a;
  };
  // s1: three articles from one source; s2: two sources; s3: three sources, long ago.
  finish_in("k1", "https://a.example/1", {}, titled("s1", kSeen, "one"), "alwasat");
  finish_in("k2", "https://a.example/2", {}, titled("s1", kSeen + 1h, "one again"), "alwasat");
  finish_in("k3", "https://a.example/3", {}, titled("s1", kSeen + 2h, "one more"), "alwasat");
  finish_in("k4", "https://b.example/4", {}, titled("s2", kSeen + 1h, "two"), "alwasat");
  finish_in("k5", "https://b.example/5", {}, titled("s2", kSeen + 3h, "two again"), "alrasifa");
  for (const char* source : {"x", "y", "z"}) {
    finish_in(std::string("old-") + source, std::string("https://c.example/") + source, {},
              titled("s3", kSeen - 48h, "three"), source);
  }
  auto top = store_->top_stories(kSeen - 1h, 10);
  ASSERT_TRUE(top.has_value()) << top.error().message;
  ASSERT_EQ(top->size(), 2u);
  EXPECT_EQ(top->at(0).story, "s2");
  EXPECT_EQ(top->at(0).sources, 2u);
  EXPECT_EQ(top->at(0).articles, 2u);
  EXPECT_EQ(top->at(0).first_seen, kSeen + 1h);
  EXPECT_EQ(top->at(0).last_seen, kSeen + 3h);
  EXPECT_EQ(top->at(0).title, "two");  // the first article's
  EXPECT_EQ(top->at(1).story, "s1");
  EXPECT_EQ(top->at(1).sources, 1u);
  EXPECT_EQ(top->at(1).articles, 3u);
  auto all = store_->top_stories(kSeen - 72h, 1);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->at(0).story, "s3");
  EXPECT_EQ(all->at(0).sources, 3u);
}

TEST_F(StoryStoreTest, MigratesAVersionFiveFileCountingTheSourcesItsAlertsName) {
  finish_in("k1", "https://a.example/1", {alert("libya", "haftar")}, in_story("s1"), "alwasat");
  finish_in("k2", "https://b.example/2", {alert("libya", "haftar")}, in_story("s1"), "alrasifa");
  finish_in("k3", "https://c.example/3", {}, in_story("s1"), "unknown");  // no alert: not known
  store_.reset();
  ASSERT_EQ(sql(db_path(),
                "ALTER TABLE sources DROP COLUMN polls_day; "
                "ALTER TABLE items DROP COLUMN language; DROP TABLE story_sources; "
                "ALTER TABLE stories DROP COLUMN sources; ALTER TABLE stories DROP COLUMN title; "
                "PRAGMA user_version = 5"),
            "");
  reopen();
  EXPECT_EQ(sql(db_path(), "PRAGMA user_version"), "10");
  EXPECT_EQ(sql(db_path(), "SELECT size || '|' || sources FROM stories"), "3|2");
  auto d =
      finish_in("k4", "https://d.example/4", {alert("libya", "haftar")}, in_story("s1"), "alwasat");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].story_sources, 2u);
}

TEST_F(StoryStoreTest, OncePerStoryPublishesTheFirstAlertOfTheRuleOnly) {
  finish_in("k1", "https://a.example/1", {once("haftar"), alert("libya", "every")}, in_story("s1"));
  auto second = finish_in("k2", "https://b.example/2", {once("haftar"), alert("libya", "every")},
                          in_story("s1"));
  ASSERT_EQ(second.size(), 2u);
  EXPECT_TRUE(second[0].suppressed);   // once_per_story: the story alerted for it already
  EXPECT_FALSE(second[1].suppressed);  // the other rule alerts for every copy
  // Another story alerts again.
  auto other = finish_in("k3", "https://c.example/3", {once("haftar")}, in_story("s2"));
  ASSERT_EQ(other.size(), 1u);
  EXPECT_FALSE(other[0].suppressed);

  // Not published, not replayed; listed for the story with its seq.
  std::vector<std::uint64_t> to_send;
  for (const Alert& a : unpublished()) to_send.push_back(a.seq);
  EXPECT_EQ(to_send, (std::vector<std::uint64_t>{1, 2, 4, 5}));
  EXPECT_EQ(replayed(), (std::vector<std::uint64_t>{1, 2, 4, 5}));
  auto listed = store_->story_alerts("s1", 100);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 4u);
  EXPECT_EQ(listed->at(2).seq, 3u);
  auto suppressed = alert_from_json(listed->at(2).json);
  ASSERT_TRUE(suppressed.has_value());
  EXPECT_TRUE(suppressed->suppressed);
  EXPECT_EQ(suppressed->story_size, 2u);
  // Retention treats it as sent: nothing is left to do with it.
  EXPECT_EQ(sql(db_path(), "SELECT published FROM alerts WHERE seq = 3"), "1");
}

TEST_F(StoryStoreTest, OncePerStoryIsPerRuleACopyThatAloneMatchesStillAlerts) {
  finish_in("k1", "https://a.example/1", {alert("libya", "every")}, in_story("s1"));
  auto second = finish_in("k2", "https://b.example/2", {once("haftar")}, in_story("s1"));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_FALSE(second[0].suppressed);
  EXPECT_EQ(second[0].story_size, 2u);
}

Alert spread(std::string rule, std::uint32_t min_sources = 3, std::chrono::seconds within = 6h) {
  Alert a = alert("libya", std::move(rule));
  a.min_sources = min_sources;
  a.within = within;
  return a;
}

TEST_F(StoryStoreTest, MinSourcesHoldsHitsUntilTheThirdSourceThenAlertsOncePerStory) {
  // One outlet republishing is one source; the rule holds its hits.
  auto a1 = finish_in("k1", "https://a.example/1", {spread("big")}, in_story("s1", kSeen), "a");
  auto a2 =
      finish_in("k2", "https://a.example/2", {spread("big")}, in_story("s1", kSeen + 1h), "a");
  auto b = finish_in("k3", "https://b.example/3", {spread("big")}, in_story("s1", kSeen + 2h), "b");
  ASSERT_EQ(a1.size() + a2.size() + b.size(), 3u);
  for (const auto* held : {&a1, &a2, &b}) {
    EXPECT_TRUE(held->at(0).held);
    EXPECT_TRUE(held->at(0).suppressed);
  }
  EXPECT_EQ(b[0].story_source_ids, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(unpublished().empty());
  // A restart: the story's sources and the held state are in the file.
  reopen();
  auto c = finish_in("k4", "https://c.example/4", {spread("big")}, in_story("s1", kSeen + 3h), "c");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_FALSE(c[0].held);
  EXPECT_FALSE(c[0].suppressed);
  EXPECT_EQ(c[0].story_sources, 3u);
  EXPECT_EQ(c[0].story_source_ids, (std::vector<std::string>{"a", "b", "c"}));
  // Once per story: the fourth source's copy is recorded, not published.
  reopen();
  auto d = finish_in("k5", "https://d.example/5", {spread("big")}, in_story("s1", kSeen + 4h), "d");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_TRUE(d[0].suppressed);
  EXPECT_FALSE(d[0].held);
  std::vector<std::uint64_t> to_send;
  for (const Alert& a : unpublished()) to_send.push_back(a.seq);
  EXPECT_EQ(to_send, (std::vector<std::uint64_t>{c[0].seq}));
  EXPECT_EQ(replayed(), (std::vector<std::uint64_t>{c[0].seq}));
  // Every hit is listed for the story, the held ones marked so.
  auto listed = store_->story_alerts("s1", 100);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 5u);
  auto first = alert_from_json(listed->at(0).json);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->held);
  EXPECT_NE(listed->at(3).json.find(R"("story_source_ids":["a","b","c"])"), std::string::npos)
      << listed->at(3).json;
}

TEST_F(StoryStoreTest, MinSourcesCountsOnlySourcesWithinTheWindowOfTheFirstArticle) {
  finish_in("k1", "https://a.example/1", {spread("big", 3, 6h)}, in_story("s1", kSeen), "a");
  finish_in("k2", "https://b.example/2", {spread("big", 3, 6h)}, in_story("s1", kSeen + 5h), "b");
  auto late = finish_in("k3", "https://c.example/3", {spread("big", 3, 6h)},
                        in_story("s1", kSeen + 7h), "c");
  ASSERT_EQ(late.size(), 1u);
  EXPECT_TRUE(late[0].held);  // the third source came 7 h after the first article
  // An article in no story is one source: held.
  auto alone = store_->finish_item("a", "k4", "https://a.example/4", {spread("big")});
  ASSERT_TRUE(alone.has_value());
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_TRUE(alone->at(0).held);
  EXPECT_TRUE(unpublished().empty());
}

TEST_F(StoryStoreTest, StoriesSurviveARestartNewestWithinTheWindowOldestFirst) {
  finish_in("k1", "https://a.example/1", {}, in_story("s1", kSeen, std::string(240, 'a')));
  finish_in("k2", "https://b.example/2", {}, in_story("s1", kSeen + 1h, std::string(240, 'b')));
  finish_in("k3", "https://c.example/3", {}, in_story("s3", kSeen + 2h, ""));  // too short
  finish_in("k4", "https://d.example/4", {}, in_story("s4", kSeen + 3h, std::string(240, 'd')));
  reopen();
  auto all = store_->story_articles(kSeen, 100);
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(all->at(0).article_key, "https://a.example/1");
  EXPECT_EQ(all->at(0).story, "s1");
  EXPECT_EQ(all->at(0).signature, std::string(240, 'a'));
  EXPECT_EQ(all->at(0).seen, kSeen);
  EXPECT_EQ(all->at(0).story_size, 2u);
  EXPECT_EQ(all->at(2).article_key, "https://d.example/4");
  auto newest = store_->story_articles(kSeen + 1h, 1);
  ASSERT_TRUE(newest.has_value());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ(newest->at(0).article_key, "https://d.example/4");
  // After the restart, a copy still counts on in its story.
  auto more = finish_in("k5", "https://e.example/5", {alert("libya", "haftar")},
                        in_story("s1", kSeen + 4h));
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].story_size, 3u);
}

TEST_F(StoryStoreTest, PruningForgetsArticlesAndStoriesSeenBeforeTheCut) {
  finish_in("k1", "https://a.example/1", {}, in_story("s1", kSeen));
  finish_in("k2", "https://b.example/2", {}, in_story("s2", kSeen));
  finish_in("k3", "https://c.example/3", {}, in_story("s2", kSeen + 2h));
  auto n = store_->prune_stories(kSeen + 1h, 100);
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(sql(db_path(), "SELECT count(*) FROM story_articles"), "1");
  EXPECT_EQ(sql(db_path(), "SELECT group_concat(id) FROM stories"), "s2");
  EXPECT_EQ(sql(db_path(), "SELECT group_concat(story) FROM story_sources"), "s2");
}

}  // namespace
}  // namespace nw
