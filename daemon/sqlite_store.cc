// The SQLite implementation of Store (daemon/store.h): one connection, one
// small class per table (daemon/sqlite_items.h, sqlite_alerts.h,
// sqlite_stories.h, sqlite_archive.h, sqlite_lookbacks.h) and here the writes
// that span tables, each in one transaction. The tables and their migrations
// are in daemon/sqlite_schema.h, the handle and statement wrappers in
// daemon/sqlite.h. Like every Store, used from one thread.
#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "daemon/sqlite.h"
#include "daemon/sqlite_alerts.h"
#include "daemon/sqlite_archive.h"
#include "daemon/sqlite_checkpointer.h"
#include "daemon/sqlite_items.h"
#include "daemon/sqlite_lookbacks.h"
#include "daemon/sqlite_schema.h"
#include "daemon/sqlite_stories.h"
#include "daemon/store.h"

namespace nw {
namespace {

using sqlite::StoryPlace;
using sqlite::Transaction;

constexpr int kBusyTimeoutMs = 5000;
// How often the WAL is checkpointed, off the writing thread (sqlite_checkpointer.h).
constexpr std::chrono::seconds kCheckpointEvery{1};

// Every alert of an article in a story carries the story, its size and its sources.
void place_in_story(std::vector<Alert>& alerts, const StoryPlace& place) {
  for (Alert& alert : alerts) {
    alert.story = place.story;
    alert.story_size = place.size;
    alert.story_sources = place.sources;
  }
}

// A min_sources rule's alerts also carry the story's source ids, and are held
// while the story has not spread far enough (daemon/story_spread.h).
Result<void> place_spread(std::vector<Alert>& alerts, sqlite::StoryTable& stories,
                          const std::string& story, const std::string& what) {
  std::optional<std::vector<StorySource>> sources;
  for (Alert& alert : alerts) {
    if (alert.min_sources == 0) continue;
    if (!sources) {
      auto read = stories.sources_of(story, what);
      if (!read) return std::unexpected(read.error());
      sources = std::move(*read);
    }
    alert.story_source_ids.clear();
    for (const StorySource& s : *sources) alert.story_source_ids.push_back(s.source_id);
    alert.held = !spread_reached(*sources, alert.min_sources, alert.within);
  }
  return {};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite::DbHandle db, std::string path)
      : db_(std::move(db), std::move(path)),
        items_(db_),
        alerts_(db_),
        stories_(db_),
        archive_(db_),
        lookbacks_(db_) {}

  [[nodiscard]] Result<void> prepare_all() {
    if (auto r = items_.prepare(); !r) return r;
    if (auto r = alerts_.prepare(); !r) return r;
    if (auto r = stories_.prepare(); !r) return r;
    if (auto r = archive_.prepare(); !r) return r;
    return lookbacks_.prepare();
  }
  // Checkpoints from now on run on `checkpointer`'s thread, not in this
  // connection's commits.
  [[nodiscard]] Result<void> checkpoint_with(std::unique_ptr<sqlite::Checkpointer> checkpointer) {
    checkpointer_ = std::move(checkpointer);
    return db_.exec("PRAGMA wal_autocheckpoint = 0", "turn automatic checkpoints off");
  }

  Result<SourceState> source(std::string_view source_id) override {
    return items_.source(source_id);
  }
  Result<void> save_source(std::string_view source_id, const SourceState& state) override {
    return items_.save_source(source_id, state);
  }
  Result<std::vector<Item>> add_items(std::string_view source_id, std::span<const Item> items,
                                      bool finished) override {
    return items_.add_items(source_id, items, finished);
  }
  Result<std::vector<std::pair<std::string, std::string>>> keys_for_links(
      std::string_view source_id, std::span<const std::string> links) override {
    return items_.keys_for_links(source_id, links);
  }
  Result<std::vector<Item>> requeue_edited(std::string_view source_id,
                                           std::span<const Item> items) override {
    return items_.requeue_edited(source_id, items);
  }
  Result<std::vector<Item>> pending_items(std::string_view source_id) override {
    return items_.pending_items(source_id);
  }
  Result<void> record_attempt(std::string_view source_id, std::string_view key) override {
    return items_.record_attempt(source_id, key);
  }
  Result<void> count_robots_skipped(std::string_view source_id) override {
    return items_.count_robots_skipped(source_id);
  }

  Result<std::vector<Alert>> finish_item(std::string_view source_id, std::string_view key,
                                         std::string_view article_key, std::vector<Alert> alerts,
                                         const std::optional<StoryArticle>& story) override {
    return finish(source_id, key, article_key, std::move(alerts), nullptr, story);
  }
  Result<std::vector<Alert>> finish_and_keep(std::string_view source_id, std::string_view key,
                                             std::string_view article_key,
                                             std::vector<Alert> alerts, const KeptArticle& article,
                                             const std::optional<StoryArticle>& story) override {
    return finish(source_id, key, article_key, std::move(alerts), &article, story);
  }
  Result<std::vector<Alert>> record_alerts(std::string_view source_id, std::string_view key,
                                           std::string_view article_key,
                                           std::vector<Alert> alerts) override;
  Result<std::vector<std::vector<Alert>>> finish_items(std::span<FinishedItem> items) override;

  Result<std::vector<StoredStoryArticle>> story_articles(std::chrono::sys_seconds since,
                                                         std::size_t limit) override {
    return stories_.story_articles(since, limit);
  }
  Result<std::vector<StorySummary>> top_stories(std::chrono::sys_seconds since,
                                                std::size_t limit) override {
    return stories_.top_stories(since, limit);
  }
  Result<std::vector<RecordedAlert>> story_alerts(std::string_view story,
                                                  std::size_t limit) override {
    return alerts_.story_alerts(story, limit);
  }
  Result<std::size_t> prune_stories(std::chrono::sys_seconds seen_before,
                                    std::size_t limit) override {
    return stories_.prune_stories(seen_before, limit);
  }

  Result<std::vector<KeptArticle>> kept_articles(std::chrono::sys_seconds since, std::int64_t after,
                                                 std::size_t limit) override {
    return archive_.kept_articles(since, after, limit);
  }
  Result<std::size_t> prune_articles(std::chrono::sys_seconds kept_before,
                                     std::size_t limit) override {
    return archive_.prune_articles(kept_before, limit);
  }

  Result<std::vector<RecordedAlert>> unpublished_alerts(std::size_t limit) override {
    return alerts_.unpublished_alerts(limit);
  }
  using Store::mark_published;
  Result<void> mark_published(std::span<const std::uint64_t> seqs) override;
  Result<std::vector<RecordedAlert>> alerts_since(std::uint64_t after,
                                                  std::string_view topic_prefix,
                                                  std::size_t limit) override {
    return alerts_.alerts_since(after, topic_prefix, limit);
  }
  Result<std::vector<RecordedAlert>> latest_alerts(std::uint64_t before,
                                                   std::string_view topic_prefix,
                                                   std::size_t limit) override {
    return alerts_.latest_alerts(before, topic_prefix, limit);
  }
  Result<AlertLog> alert_log() override { return alerts_.alert_log(); }
  Result<std::size_t> prune_alerts(std::chrono::sys_seconds recorded_before,
                                   std::size_t limit) override {
    return alerts_.prune_alerts(recorded_before, limit);
  }
  Result<std::map<std::string, std::uint64_t, std::less<>>> topic_counts(
      std::chrono::sys_seconds since) override {
    return alerts_.topic_counts(since);
  }
  Result<std::map<std::string, SourceCounts, std::less<>>> source_counts() override {
    std::map<std::string, SourceCounts, std::less<>> counts;
    if (auto r = items_.count(counts); !r) return std::unexpected(r.error());
    if (auto r = alerts_.count(counts); !r) return std::unexpected(r.error());
    return counts;
  }

  Result<void> save_lookback(const LookbackProgress& progress) override {
    return lookbacks_.save_lookback(progress);
  }
  Result<void> end_lookback(std::string_view watchlist, std::string_view rule) override {
    return lookbacks_.end_lookback(watchlist, rule);
  }
  Result<std::vector<LookbackProgress>> lookbacks() override { return lookbacks_.lookbacks(); }

 private:
  // finish_item, and finish_and_keep when `article` is set.
  Result<std::vector<Alert>> finish(std::string_view source_id, std::string_view key,
                                    std::string_view article_key, std::vector<Alert> alerts,
                                    const KeptArticle* article,
                                    const std::optional<StoryArticle>& story);
  // finish()'s writes, inside the caller's transaction; `body`: the
  // article's compressed text.
  Result<std::vector<Alert>> record_finished(std::string_view source_id, std::string_view key,
                                             std::string_view article_key,
                                             std::vector<Alert> alerts, const KeptArticle* article,
                                             std::string_view body,
                                             const std::optional<StoryArticle>& story,
                                             const std::string& what);

  sqlite::Db db_;  // first: the tables below hold references to it
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
  sqlite::ItemTable items_;
  sqlite::AlertTable alerts_;
  sqlite::StoryTable stories_;
  sqlite::ArchiveTable archive_;
  sqlite::LookbackTable lookbacks_;
};

Result<std::vector<Alert>> SqliteStore::finish(std::string_view source_id, std::string_view key,
                                               std::string_view article_key,
                                               std::vector<Alert> alerts,
                                               const KeptArticle* article,
                                               const std::optional<StoryArticle>& story) {
  const std::string what =
      "finish item '" + std::string(key) + "' of source '" + std::string(source_id) + "'";
  std::string body;  // compressed before the transaction: the write lock is not held for it
  if (article) {
    auto c = archive_.compress(article->text);
    if (!c) return std::unexpected(c.error());
    body = std::move(*c);
  }
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  auto kept =
      record_finished(source_id, key, article_key, std::move(alerts), article, body, story, what);
  if (!kept) return kept;
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return kept;
}

Result<void> SqliteStore::mark_published(std::span<const std::uint64_t> seqs) {
  if (seqs.empty()) return {};
  const std::string what = "mark " + std::to_string(seqs.size()) + " alerts published";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return r;
  for (const std::uint64_t seq : seqs) {
    if (auto r = alerts_.mark_published(seq); !r) return r;
  }
  return tx.commit(what);
}

Result<std::vector<std::vector<Alert>>> SqliteStore::finish_items(std::span<FinishedItem> items) {
  std::vector<std::vector<Alert>> out;
  if (items.empty()) return out;
  const std::string what = "finish " + std::to_string(items.size()) + " items (the first: item '" +
                           items.front().key + "' of source '" + items.front().source_id + "')";
  for (FinishedItem& item : items) {  // before the transaction: the write lock is not held for it
    if (item.article && item.compressed.empty()) {
      auto c = archive_.compress(item.article->text);
      if (!c) return std::unexpected(c.error());
      item.compressed = std::move(*c);
    }
  }
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  out.reserve(items.size());
  for (FinishedItem& item : items) {
    const std::string one = "finish item '" + item.key + "' of source '" + item.source_id + "'";
    auto kept =
        record_finished(item.source_id, item.key, item.article_key, std::move(item.alerts),
                        item.article ? &*item.article : nullptr, item.compressed, item.story, one);
    if (!kept) return std::unexpected(kept.error());
    out.push_back(std::move(*kept));
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return out;
}

Result<std::vector<Alert>> SqliteStore::record_finished(
    std::string_view source_id, std::string_view key, std::string_view article_key,
    std::vector<Alert> alerts, const KeptArticle* article, std::string_view body,
    const std::optional<StoryArticle>& story, const std::string& what) {
  if (story) {
    auto place = stories_.record(article_key, source_id, *story, what);
    if (!place) return std::unexpected(place.error());
    place_in_story(alerts, *place);
    if (auto r = place_spread(alerts, stories_, place->story, what); !r)
      return std::unexpected(r.error());
  }
  auto kept = alerts_.insert(source_id, key, article_key, std::move(alerts), what);
  if (!kept) return kept;

  // An item never added (a one-off run) is recorded with what its first alert
  // or its kept article shows. (Each branch a view: a std::string and ""
  // would make the conditional a temporary string, and the view would dangle.)
  const Alert* first = kept->empty() ? nullptr : &kept->front();
  const std::string_view link = first ? first->url : article ? article->url : std::string_view();
  const std::string_view title = first     ? first->title
                                 : article ? article->title
                                           : std::string_view();
  if (auto r = items_.finish(source_id, key, link, title, what); !r) {
    return std::unexpected(r.error());
  }
  if (article) {
    if (auto r = archive_.keep(source_id, key, article_key, *article, body, what); !r) {
      return std::unexpected(r.error());
    }
  }
  return kept;
}

Result<std::vector<Alert>> SqliteStore::record_alerts(std::string_view source_id,
                                                      std::string_view key,
                                                      std::string_view article_key,
                                                      std::vector<Alert> alerts) {
  const std::string what =
      "record alerts on item '" + std::string(key) + "' of source '" + std::string(source_id) + "'";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  // The story the article was given when it was finished, if any: lookback
  // alerts carry it too, and once_per_story holds them back like any other.
  auto place = stories_.story_of(article_key, what);
  if (!place) return std::unexpected(place.error());
  if (*place) {
    place_in_story(alerts, **place);
    if (auto r = place_spread(alerts, stories_, (*place)->story, what); !r)
      return std::unexpected(r.error());
  }
  auto kept = alerts_.insert(source_id, key, article_key, std::move(alerts), what);
  if (!kept) return kept;
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return kept;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& dir, OpenMode mode) {
  const bool read_only = mode == OpenMode::kReadOnly;
  const std::string path = (dir / "newswatch.db").string();
  std::error_code ec;
  if (read_only) {
    if (!std::filesystem::is_regular_file(path, ec)) {
      return fail(Errc::kIo, "no state database " + path +
                                 " (state_dir of this config; has newswatchd run with it?)");
    }
  } else {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return fail(Errc::kIo, "cannot create state directory " + dir.string() + ": " + ec.message());
    }
  }

  sqlite3* raw = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  sqlite::DbHandle db(raw);  // closes even when open failed
  if (rc != SQLITE_OK) {
    return fail(Errc::kIo, "cannot open SQLite database " + path + ": " +
                               (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  auto store = std::make_unique<SqliteStore>(std::move(db), path);
  if (auto r = read_only ? sqlite::check_schema(raw, path) : sqlite::init_database(raw, path); !r)
    return std::unexpected(r.error());
  if (auto r = store->prepare_all(); !r) return std::unexpected(r.error());
  if (!read_only) {
    auto checkpointer = sqlite::Checkpointer::start(path, kCheckpointEvery);
    if (!checkpointer) return std::unexpected(checkpointer.error());
    if (auto r = store->checkpoint_with(std::move(*checkpointer)); !r)
      return std::unexpected(r.error());
  }
  return store;
}

}  // namespace nw
