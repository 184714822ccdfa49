// The SQLite implementation of Store (daemon/store.h). The tables and their
// migrations are in daemon/sqlite_schema.h, the handle and statement wrappers
// in daemon/sqlite.h. Every write runs in one transaction.
#include <sqlite3.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "daemon/sqlite.h"
#include "daemon/sqlite_checkpointer.h"
#include "daemon/sqlite_schema.h"
#include "daemon/store.h"

namespace nw {
namespace {

using sqlite::Statement;
using sqlite::Transaction;

constexpr int kBusyTimeoutMs = 5000;
// How often the WAL is checkpointed, off the writing thread (sqlite_checkpointer.h).
constexpr std::chrono::seconds kCheckpointEvery{1};

// The archive's bodies: zlib at its default level (about half the size of the
// text, a third for Arabic prose). One stream each way, reset between
// articles: a fresh deflate stream allocates a quarter of a megabyte, which the
// allocator maps and unmaps on every call.
class Zlib {
 public:
  Zlib() {
    deflate_ok_ = deflateInit(&deflate_, Z_DEFAULT_COMPRESSION) == Z_OK;
    inflate_ok_ = inflateInit(&inflate_) == Z_OK;
  }
  ~Zlib() {
    if (deflate_ok_) deflateEnd(&deflate_);
    if (inflate_ok_) inflateEnd(&inflate_);
  }
  Zlib(const Zlib&) = delete;
  Zlib& operator=(const Zlib&) = delete;

  Result<std::string> compress(std::string_view text) {
    if (!deflate_ok_ || deflateReset(&deflate_) != Z_OK) {
      return fail(Errc::kIo, "cannot compress an article's text");
    }
    std::string out(deflateBound(&deflate_, static_cast<uLong>(text.size())), '\0');
    deflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    deflate_.avail_in = static_cast<uInt>(text.size());
    deflate_.next_out = reinterpret_cast<Bytef*>(out.data());
    deflate_.avail_out = static_cast<uInt>(out.size());
    if (deflate(&deflate_, Z_FINISH) != Z_STREAM_END) {
      return fail(Errc::kIo, "cannot compress an article's text");
    }
    out.resize(deflate_.total_out);
    return out;
  }

  Result<std::string> decompress(std::string_view data, std::size_t size) {
    std::string out(size, '\0');
    if (!inflate_ok_ || inflateReset(&inflate_) != Z_OK) {
      return fail(Errc::kIo, "cannot decompress a kept article's text");
    }
    inflate_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    inflate_.avail_in = static_cast<uInt>(data.size());
    inflate_.next_out = reinterpret_cast<Bytef*>(out.data());
    inflate_.avail_out = static_cast<uInt>(out.size());
    if (inflate(&inflate_, Z_FINISH) != Z_STREAM_END || inflate_.total_out != size) {
      return fail(Errc::kIo, "a kept article's text is damaged");
    }
    return out;
  }

 private:
  z_stream deflate_{};
  z_stream inflate_{};
  bool deflate_ok_ = false;
  bool inflate_ok_ = false;
};

std::int64_t unix_now() {
  using std::chrono::floor, std::chrono::seconds, std::chrono::system_clock;
  return sqlite::to_unix(floor<seconds>(system_clock::now()));
}

class SqliteStore final : public Store {
 public:
  SqliteStore(sqlite::DbHandle db, std::string path) : db_(std::move(db), std::move(path)) {}

  // Checkpoints from now on run on `checkpointer`'s thread, not in this
  // connection's commits.
  Result<void> checkpoint_with(std::unique_ptr<sqlite::Checkpointer> checkpointer) {
    checkpointer_ = std::move(checkpointer);
    return db_.exec("PRAGMA wal_autocheckpoint = 0", "turn automatic checkpoints off");
  }

  Result<void> prepare_all();

  Result<SourceState> source(std::string_view source_id) override;
  Result<void> save_source(std::string_view source_id, const SourceState& state) override;
  Result<std::vector<Item>> add_items(std::string_view source_id, std::span<const Item> items,
                                      bool finished) override;
  Result<std::vector<std::pair<std::string, std::string>>> keys_for_links(
      std::string_view source_id, std::span<const std::string> links) override;
  Result<std::vector<Item>> requeue_edited(std::string_view source_id,
                                           std::span<const Item> items) override;
  Result<std::vector<Item>> pending_items(std::string_view source_id) override;
  Result<void> record_attempt(std::string_view source_id, std::string_view key) override;
  Result<std::vector<Alert>> finish_item(std::string_view source_id, std::string_view key,
                                         std::string_view article_key, std::vector<Alert> alerts,
                                         const std::optional<StoryArticle>& story) override;
  Result<std::vector<StoredStoryArticle>> story_articles(std::chrono::sys_seconds since,
                                                         std::size_t limit) override;
  Result<std::vector<RecordedAlert>> story_alerts(std::string_view story,
                                                  std::size_t limit) override;
  Result<std::size_t> prune_stories(std::chrono::sys_seconds seen_before,
                                    std::size_t limit) override;
  Result<std::vector<Alert>> finish_and_keep(std::string_view source_id, std::string_view key,
                                             std::string_view article_key,
                                             std::vector<Alert> alerts, const KeptArticle& article,
                                             const std::optional<StoryArticle>& story) override;
  Result<std::vector<Alert>> record_alerts(std::string_view source_id, std::string_view key,
                                           std::string_view article_key,
                                           std::vector<Alert> alerts) override;
  Result<std::vector<KeptArticle>> kept_articles(std::chrono::sys_seconds since, std::int64_t after,
                                                 std::size_t limit) override;
  Result<std::size_t> prune_articles(std::chrono::sys_seconds kept_before,
                                     std::size_t limit) override;
  Result<std::vector<RecordedAlert>> unpublished_alerts(std::size_t limit) override;
  Result<std::vector<RecordedAlert>> alerts_since(std::uint64_t after,
                                                  std::string_view topic_prefix,
                                                  std::size_t limit) override;
  Result<void> mark_published(std::uint64_t seq) override;
  Result<void> save_lookback(const LookbackProgress& progress) override;
  Result<void> end_lookback(std::string_view watchlist, std::string_view rule) override;
  Result<std::vector<LookbackProgress>> lookbacks() override;
  Result<AlertLog> alert_log() override;
  Result<std::size_t> prune_alerts(std::chrono::sys_seconds recorded_before,
                                   std::size_t limit) override;
  Result<std::map<std::string, SourceCounts, std::less<>>> source_counts() override;

 private:
  // Records the article in its story (once per article key) and returns the
  // story it is in and that story's size. Inside finish's transaction.
  Result<std::pair<std::string, std::uint64_t>> record_story(std::string_view article_key,
                                                             const StoryArticle& story,
                                                             const std::string& what);
  // finish_item, and finish_and_keep when `article` is set.
  Result<std::vector<Alert>> finish(std::string_view source_id, std::string_view key,
                                    std::string_view article_key, std::vector<Alert> alerts,
                                    const KeptArticle* article,
                                    const std::optional<StoryArticle>& story);
  // Inside a transaction: the alerts not alerted before, each with the next seq
  // (and the story the article is in, when it has one).
  using InStory = std::optional<std::pair<std::string, std::uint64_t>>;
  Result<std::vector<Alert>> insert_alerts(std::string_view source_id, std::string_view key,
                                           std::string_view article_key, std::vector<Alert> alerts,
                                           const InStory& in_story, const std::string& what);
  // Reads (seq, topic, json) rows.
  Result<std::vector<RecordedAlert>> read_alerts(Statement::Use& u, const std::string& what);
  Result<void> ensure_source(std::string_view source_id, std::string_view what) {
    auto u = ensure_source_.use();
    u.text(1, source_id);
    return db_.run(u, what);
  }

  sqlite::Db db_;
  Zlib zlib_;
  std::unique_ptr<sqlite::Checkpointer> checkpointer_;
  Statement get_source_, put_source_, ensure_source_, add_item_, pending_, attempt_,
      finish_existing_, finish_new_, get_seq_, put_seq_, add_alert_, unpublished_, since_,
      published_, by_canon_, get_digest_, set_digest_, requeue_, oldest_, prune_, item_counts_,
      alert_counts_, add_story_article_, story_of_, grow_story_, story_size_, first_in_story_,
      load_stories_, story_alerts_, prune_story_articles_, prune_stories_, keep_article_, kept_,
      window_start_, prune_articles_, save_lookback_, end_lookback_, lookbacks_;
};

Result<void> SqliteStore::prepare_all() {
  struct Entry {
    Statement* stmt;
    const char* sql;
  };
  const Entry entries[] = {
      {&get_source_,
       "SELECT url, etag, last_modified, initialized, disabled, consecutive_failures, "
       "last_success, last_attempt, last_error, next_poll, config_url, identity, poll_interval "
       "FROM sources WHERE id = ?1"},
      {&put_source_,
       "INSERT INTO sources(id, url, etag, last_modified, initialized, disabled, "
       "consecutive_failures, last_success, last_attempt, last_error, next_poll, config_url, "
       "identity, poll_interval) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
       "ON CONFLICT(id) DO UPDATE SET url = excluded.url, etag = excluded.etag, "
       "last_modified = excluded.last_modified, initialized = excluded.initialized, "
       "disabled = excluded.disabled, consecutive_failures = excluded.consecutive_failures, "
       "last_success = excluded.last_success, last_attempt = excluded.last_attempt, "
       "last_error = excluded.last_error, next_poll = excluded.next_poll, "
       "config_url = excluded.config_url, identity = excluded.identity, "
       "poll_interval = excluded.poll_interval"},
      {&ensure_source_, "INSERT INTO sources(id) VALUES (?1) ON CONFLICT(id) DO NOTHING"},
      {&add_item_,
       "INSERT INTO items(source_id, key, link, title, summary, content, published, attempts, "
       "finished, first_seen, canon, digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
       "?11, ?12) ON CONFLICT(source_id, key) DO NOTHING"},
      {&pending_,
       "SELECT key, link, title, summary, content, published, attempts, canon, digest FROM items "
       "WHERE source_id = ?1 AND finished = 0 ORDER BY rowid"},
      {&by_canon_, "SELECT key FROM items WHERE source_id = ?1 AND canon = ?2 AND canon != ''"},
      {&get_digest_, "SELECT digest FROM items WHERE source_id = ?1 AND key = ?2"},
      {&set_digest_, "UPDATE items SET digest = ?3 WHERE source_id = ?1 AND key = ?2"},
      {&requeue_,
       "UPDATE items SET link = ?3, title = ?4, summary = ?5, content = ?6, published = ?7, "
       "canon = ?8, digest = ?9, attempts = 0, finished = 0 WHERE source_id = ?1 AND key = ?2"},
      {&attempt_, "UPDATE items SET attempts = attempts + 1 WHERE source_id = ?1 AND key = ?2"},
      {&finish_existing_, "UPDATE items SET finished = 1 WHERE source_id = ?1 AND key = ?2"},
      {&finish_new_,
       "INSERT INTO items(source_id, key, link, title, finished, first_seen) "
       "VALUES (?1, ?2, ?3, ?4, 1, ?5)"},
      {&get_seq_, "SELECT value FROM counters WHERE name = 'alert_seq'"},
      {&put_seq_, "UPDATE counters SET value = ?1 WHERE name = 'alert_seq'"},
      {&add_alert_,
       "INSERT INTO alerts(seq, watchlist, rule, article_key, source_id, item_key, json, "
       "created, story, suppressed, published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
       "?10) ON CONFLICT(watchlist, rule, article_key) DO NOTHING"},
      {&add_story_article_,
       "INSERT INTO story_articles(article_key, story, signature, seen) VALUES (?1, ?2, ?3, ?4) "
       "ON CONFLICT(article_key) DO NOTHING"},
      {&story_of_, "SELECT story FROM story_articles WHERE article_key = ?1"},
      {&grow_story_,
       "INSERT INTO stories(id, size, first_seen, last_seen) VALUES (?1, 1, ?2, ?2) "
       "ON CONFLICT(id) DO UPDATE SET size = size + 1, last_seen = max(last_seen, ?2)"},
      {&story_size_, "SELECT size FROM stories WHERE id = ?1"},
      // Whether the story holds an alert of this rule that was (or will be) published.
      {&first_in_story_,
       "SELECT 1 FROM alerts WHERE story = ?1 AND watchlist = ?2 AND rule = ?3 AND "
       "suppressed = 0 LIMIT 1"},
      {&load_stories_,
       "SELECT article_key, story, signature, seen, size FROM (SELECT a.article_key, a.story, "
       "a.signature, a.seen, s.size FROM story_articles a JOIN stories s ON s.id = a.story "
       "WHERE a.seen >= ?1 AND length(a.signature) > 0 ORDER BY a.seen DESC, a.rowid DESC "
       "LIMIT ?2) ORDER BY seen, rowid"},
      {&story_alerts_,
       "SELECT seq, watchlist || '/' || rule, json FROM alerts WHERE story = ?1 ORDER BY seq "
       "LIMIT ?2"},
      {&prune_story_articles_,
       "DELETE FROM story_articles WHERE rowid IN (SELECT rowid FROM story_articles WHERE "
       "seen < ?1 ORDER BY seen LIMIT ?2)"},
      {&prune_stories_,
       "DELETE FROM stories WHERE id IN (SELECT id FROM stories WHERE last_seen < ?1 "
       "ORDER BY last_seen LIMIT ?2)"},
      // Suppressed alerts are recorded with published = 1: nothing is left to send.
      {&unpublished_,
       "SELECT seq, watchlist || '/' || rule, json FROM alerts WHERE published = 0 "
       "ORDER BY seq LIMIT ?1"},
      // A byte prefix, as ZeroMQ compares topics: no LIKE wildcards to escape
      // in a prefix such as "libya/haftar_cairo", no character counting.
      {&since_,
       "SELECT seq, watchlist || '/' || rule AS topic, json FROM alerts WHERE seq > ?1 AND "
       "suppressed = 0 AND substr(CAST(topic AS BLOB), 1, length(CAST(?2 AS BLOB))) = CAST(?2 AS "
       "BLOB) "
       "ORDER BY seq LIMIT ?3"},
      {&published_, "UPDATE alerts SET published = 1 WHERE seq = ?1"},
      // An upsert that keeps the row, so lookbacks() lists runs as begun.
      {&save_lookback_,
       "INSERT INTO lookbacks(watchlist, rule, since, cursor, searched, alerts) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (watchlist, rule) DO UPDATE SET "
       "since = excluded.since, cursor = excluded.cursor, searched = excluded.searched, "
       "alerts = excluded.alerts"},
      {&end_lookback_, "DELETE FROM lookbacks WHERE watchlist = ?1 AND rule = ?2"},
      {&lookbacks_,
       "SELECT watchlist, rule, since, cursor, searched, alerts FROM lookbacks ORDER BY rowid"},
      {&oldest_, "SELECT min(seq) FROM alerts"},
      {&item_counts_, "SELECT source_id, count(*) FROM items GROUP BY source_id"},
      {&alert_counts_, "SELECT source_id, count(*) FROM alerts GROUP BY source_id"},
      {&prune_,
       "DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts WHERE published = 1 "
       "AND created < ?1 ORDER BY seq LIMIT ?2)"},
      // REPLACE: an item matched again (edited) is kept once, as last read.
      {&keep_article_,
       "INSERT OR REPLACE INTO articles(source_id, item_key, article_key, url, title, language, "
       "published, kept, body_size, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      // `+kept`: walk the rowid from the cursor (the window is a suffix of the
      // table, ids grow with time), not the kept index, which would sort the
      // whole window again for every batch.
      {&kept_,
       "SELECT id, source_id, item_key, article_key, url, title, language, published, kept, "
       "body_size, body FROM articles WHERE id > ?2 AND +kept >= ?1 ORDER BY id LIMIT ?3"},
      // The window's first article, through the kept index: a first batch
      // does not walk the rows older than the window one by one.
      {&window_start_, "SELECT min(id) FROM articles WHERE kept >= ?1"},
      {&prune_articles_,
       "DELETE FROM articles WHERE id IN (SELECT id FROM articles WHERE kept < ?1 "
       "ORDER BY kept LIMIT ?2)"},
  };
  for (const auto& e : entries) {
    auto s = db_.prepare(e.sql);
    if (!s) return std::unexpected(s.error());
    *e.stmt = std::move(*s);
  }
  return {};
}

Result<SourceState> SqliteStore::source(std::string_view source_id) {
  auto u = get_source_.use();
  u.text(1, source_id);
  auto row = u.step();
  const std::string what = "read source '" + std::string(source_id) + "'";
  if (!row) return std::unexpected(db_.error(what));
  SourceState s;
  if (!*row) return s;
  s.url = u.column_text(0);
  s.etag = u.column_text(1);
  s.last_modified = u.column_text(2);
  s.initialized = u.column_int(3) != 0;
  s.disabled = u.column_int(4) != 0;
  s.consecutive_failures = static_cast<int>(u.column_int(5));
  s.last_success = u.column_time(6);
  s.last_attempt = u.column_time(7);
  s.last_error = u.column_text(8);
  s.next_poll = u.column_time(9);
  s.config_url = u.column_text(10);
  const std::int64_t identity = u.column_int(11);
  s.identity = identity == 2   ? ItemIdentity::kHash
               : identity == 1 ? ItemIdentity::kLink
                               : ItemIdentity::kId;
  if (!u.column_null(12)) {
    s.poll_interval = std::chrono::seconds(u.column_int(12));
  }
  return s;
}

Result<void> SqliteStore::save_source(std::string_view source_id, const SourceState& state) {
  const std::string what = "save source '" + std::string(source_id) + "'";
  auto u = put_source_.use();
  u.text(1, source_id)
      .text(2, state.url)
      .text(3, state.etag)
      .text(4, state.last_modified)
      .integer(5, state.initialized)
      .integer(6, state.disabled)
      .integer(7, state.consecutive_failures)
      .time(8, state.last_success)
      .time(9, state.last_attempt)
      .text(10, state.last_error)
      .time(11, state.next_poll)
      .text(12, state.config_url)
      .integer(13, static_cast<std::int64_t>(state.identity));
  if (state.poll_interval) u.integer(14, state.poll_interval->count());
  return db_.run(u, what);  // a single statement is its own transaction
}

Result<std::vector<Item>> SqliteStore::add_items(std::string_view source_id,
                                                 std::span<const Item> items, bool finished) {
  const std::string what = "add items for source '" + std::string(source_id) + "'";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  if (auto r = ensure_source(source_id, what); !r) return std::unexpected(r.error());
  const std::int64_t now = unix_now();
  std::vector<Item> added;
  for (const Item& item : items) {
    auto u = add_item_.use();
    u.text(1, source_id)
        .text(2, item.key)
        .text(3, item.link)
        .text(4, item.title)
        .text(5, item.summary)
        .text(6, item.content)
        .time(7, item.published)
        .integer(8, item.attempts)
        .integer(9, finished)
        .integer(10, now)
        .text(11, item.canonical_link)
        .text(12, item.digest);
    if (auto r = db_.run(u, what + " (item '" + item.key + "')"); !r) {
      return std::unexpected(r.error());
    }
    // 0 changes: the key was recorded before, or earlier in this same call.
    if (sqlite3_changes(db_.get()) == 1) added.push_back(item);
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return added;
}

Result<std::vector<Item>> SqliteStore::pending_items(std::string_view source_id) {
  const std::string what = "read pending items of source '" + std::string(source_id) + "'";
  auto u = pending_.use();
  u.text(1, source_id);
  std::vector<Item> items;
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row) break;
    Item& it = items.emplace_back();
    it.key = u.column_text(0);
    it.link = u.column_text(1);
    it.title = u.column_text(2);
    it.summary = u.column_text(3);
    it.content = u.column_text(4);
    it.published = u.column_time(5);
    it.attempts = static_cast<int>(u.column_int(6));
    it.canonical_link = u.column_text(7);
    it.digest = u.column_text(8);
  }
  return items;
}

Result<std::vector<std::pair<std::string, std::string>>> SqliteStore::keys_for_links(
    std::string_view source_id, std::span<const std::string> links) {
  const std::string what = "look up links of source '" + std::string(source_id) + "'";
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& link : links) {
    if (link.empty()) continue;
    auto u = by_canon_.use();
    u.text(1, source_id).text(2, link);
    for (;;) {
      auto row = u.step();
      if (!row) return std::unexpected(db_.error(what));
      if (!*row) break;
      out.emplace_back(link, u.column_text(0));
    }
  }
  return out;
}

Result<std::vector<Item>> SqliteStore::requeue_edited(std::string_view source_id,
                                                      std::span<const Item> items) {
  const std::string what = "requeue edited items of source '" + std::string(source_id) + "'";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  std::vector<Item> edited;
  for (const Item& item : items) {
    if (item.digest.empty()) continue;
    std::optional<std::string> stored;
    {
      auto u = get_digest_.use();
      u.text(1, source_id).text(2, item.key);
      auto row = u.step();
      if (!row) return std::unexpected(db_.error(what));
      if (*row) stored = u.column_text(0);
    }
    if (!stored || *stored == item.digest) continue;
    if (stored->empty()) {
      auto u = set_digest_.use();
      u.text(1, source_id).text(2, item.key).text(3, item.digest);
      if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
      continue;
    }
    auto u = requeue_.use();
    u.text(1, source_id)
        .text(2, item.key)
        .text(3, item.link)
        .text(4, item.title)
        .text(5, item.summary)
        .text(6, item.content)
        .time(7, item.published)
        .text(8, item.canonical_link)
        .text(9, item.digest);
    if (auto r = db_.run(u, what + " (item '" + item.key + "')"); !r)
      return std::unexpected(r.error());
    Item& e = edited.emplace_back(item);
    e.attempts = 0;
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return edited;
}

Result<void> SqliteStore::record_attempt(std::string_view source_id, std::string_view key) {
  const std::string what = "record an attempt on item '" + std::string(key) + "' of source '" +
                           std::string(source_id) + "'";
  auto u = attempt_.use();
  u.text(1, source_id).text(2, key);
  if (auto r = db_.run(u, what); !r) return r;
  if (sqlite3_changes(db_.get()) == 0) {
    return fail(Errc::kInvalid, "SQLite database " + db_.path() + ": cannot " + what +
                                    ": no such item was recorded");
  }
  return {};
}

Result<std::pair<std::string, std::uint64_t>> SqliteStore::record_story(
    std::string_view article_key, const StoryArticle& story, const std::string& what) {
  {
    auto u = add_story_article_.use();
    u.text(1, article_key)
        .text(2, story.story)
        .blob(3, story.signature)
        .integer(4, sqlite::to_unix(story.seen));
    if (auto r = db_.run(u, what + " (story)"); !r) return std::unexpected(r.error());
  }
  std::string id = story.story;
  if (sqlite3_changes(db_.get()) == 1) {
    auto u = grow_story_.use();
    u.text(1, id).integer(2, sqlite::to_unix(story.seen));
    if (auto r = db_.run(u, what + " (story size)"); !r) return std::unexpected(r.error());
  } else {
    auto u = story_of_.use();
    u.text(1, article_key);
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (*row) id = u.column_text(0);
  }
  auto u = story_size_.use();
  u.text(1, id);
  auto row = u.step();
  if (!row) return std::unexpected(db_.error(what));
  const std::uint64_t size = *row ? static_cast<std::uint64_t>(u.column_int(0)) : 1;
  return std::pair{std::move(id), size};
}

Result<std::vector<Alert>> SqliteStore::finish_item(std::string_view source_id,
                                                    std::string_view key,
                                                    std::string_view article_key,
                                                    std::vector<Alert> alerts,
                                                    const std::optional<StoryArticle>& story) {
  return finish(source_id, key, article_key, std::move(alerts), nullptr, story);
}

Result<std::vector<Alert>> SqliteStore::finish_and_keep(std::string_view source_id,
                                                        std::string_view key,
                                                        std::string_view article_key,
                                                        std::vector<Alert> alerts,
                                                        const KeptArticle& article,
                                                        const std::optional<StoryArticle>& story) {
  return finish(source_id, key, article_key, std::move(alerts), &article, story);
}

Result<std::vector<Alert>> SqliteStore::insert_alerts(
    std::string_view source_id, std::string_view key, std::string_view article_key,
    std::vector<Alert> alerts, const InStory& in_story, const std::string& what) {
  std::uint64_t seq = 0;
  {
    auto u = get_seq_.use();
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row)
      return fail(Errc::kIo, "SQLite database " + db_.path() + ": alert counter is missing");
    seq = static_cast<std::uint64_t>(u.column_int(0));
  }

  if (in_story) {
    for (Alert& alert : alerts) {
      alert.story = in_story->first;
      alert.story_size = in_story->second;
    }
  }

  const std::int64_t now = unix_now();
  std::vector<Alert> kept;
  for (Alert& alert : alerts) {
    alert.suppressed = false;
    if (alert.once_per_story && !alert.story.empty()) {
      auto u = first_in_story_.use();
      u.text(1, alert.story).text(2, alert.watchlist).text(3, alert.rule);
      auto row = u.step();
      if (!row) return std::unexpected(db_.error(what));
      alert.suppressed = *row;
    }
    alert.seq = seq + 1;  // before rendering: the stored JSON carries its seq
    const std::string json = to_json(alert);
    auto u = add_alert_.use();
    u.integer(1, static_cast<std::int64_t>(alert.seq))
        .text(2, alert.watchlist)
        .text(3, alert.rule)
        .text(4, article_key)
        .text(5, source_id)
        .text(6, key)
        .text(7, json)
        .integer(8, now)
        .text(9, alert.story)
        .integer(10, alert.suppressed);
    if (auto r = db_.run(u, what + " (alert " + alert.topic() + ")"); !r) {
      return std::unexpected(r.error());
    }
    if (sqlite3_changes(db_.get()) == 1) {
      seq = alert.seq;
      kept.push_back(std::move(alert));
    }
  }
  if (!kept.empty()) {
    auto u = put_seq_.use();
    u.integer(1, static_cast<std::int64_t>(seq));
    if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
  }
  return kept;
}

Result<std::vector<Alert>> SqliteStore::finish(std::string_view source_id, std::string_view key,
                                               std::string_view article_key,
                                               std::vector<Alert> alerts,
                                               const KeptArticle* article,
                                               const std::optional<StoryArticle>& story) {
  const std::string what =
      "finish item '" + std::string(key) + "' of source '" + std::string(source_id) + "'";
  // Compressed before the transaction: the write lock is held no longer for it.
  std::string body;
  if (article) {
    auto c = zlib_.compress(article->text);
    if (!c) return std::unexpected(c.error());
    body = std::move(*c);
  }
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());

  InStory in_story;
  if (story) {
    auto in = record_story(article_key, *story, what);
    if (!in) return std::unexpected(in.error());
    in_story = std::move(*in);
  }
  auto kept = insert_alerts(source_id, key, article_key, std::move(alerts), in_story, what);
  if (!kept) return kept;
  const std::int64_t now = unix_now();

  {
    auto u = finish_existing_.use();
    u.text(1, source_id).text(2, key);
    if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
  }
  if (sqlite3_changes(db_.get()) == 0) {
    // Processed without add_items first (e.g. a one-off run): record it finished.
    if (auto r = ensure_source(source_id, what); !r) return std::unexpected(r.error());
    auto u = finish_new_.use();
    // "" rather than an empty view: a view with no data binds NULL.
    const Alert* first = kept->empty() ? nullptr : &kept->front();
    // (Each branch a view: a std::string/const char* mix would make the
    // conditional a temporary string, and the view would dangle.)
    using sv = std::string_view;
    const sv link = first ? sv(first->url) : article ? sv(article->url) : sv("");
    const sv title = first ? sv(first->title) : article ? sv(article->title) : sv("");
    u.text(1, source_id).text(2, key).text(3, link).text(4, title).integer(5, now);
    if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
  }

  if (article) {
    auto u = keep_article_.use();
    u.text(1, source_id)
        .text(2, key)
        .text(3, article_key)
        .text(4, article->url)
        .text(5, article->title)
        .text(6, article->language)
        .time(7, article->published)
        .integer(8, sqlite::to_unix(article->kept))
        .integer(9, static_cast<std::int64_t>(article->text.size()))
        .blob(10, body);
    if (auto r = db_.run(u, what + " (keep its text)"); !r) return std::unexpected(r.error());
  }

  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
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
  InStory in_story;
  {
    auto u = story_of_.use();
    u.text(1, article_key);
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (*row) in_story = std::pair{u.column_text(0), std::uint64_t{1}};
  }
  if (in_story) {
    auto u = story_size_.use();
    u.text(1, in_story->first);
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (*row) in_story->second = static_cast<std::uint64_t>(u.column_int(0));
  }
  auto kept = insert_alerts(source_id, key, article_key, std::move(alerts), in_story, what);
  if (!kept) return kept;
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return kept;
}

Result<std::vector<KeptArticle>> SqliteStore::kept_articles(std::chrono::sys_seconds since,
                                                            std::int64_t after, std::size_t limit) {
  const std::string what = "read kept articles";
  if (after == 0) {
    auto w = window_start_.use();
    w.integer(1, sqlite::to_unix(since));
    auto row = w.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row || w.column_null(0)) return std::vector<KeptArticle>{};
    after = w.column_int(0) - 1;
  }
  auto u = kept_.use();
  u.integer(1, sqlite::to_unix(since))
      .integer(2, after)
      .integer(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<KeptArticle> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row) break;
    KeptArticle& a = out.emplace_back();
    a.id = u.column_int(0);
    a.source_id = u.column_text(1);
    a.item_key = u.column_text(2);
    a.article_key = u.column_text(3);
    a.url = u.column_text(4);
    a.title = u.column_text(5);
    a.language = u.column_text(6);
    a.published = u.column_time(7);
    a.kept = sqlite::from_unix(u.column_int(8));
    auto text = zlib_.decompress(u.column_blob(10), static_cast<std::size_t>(u.column_int(9)));
    if (!text) {
      return fail(Errc::kIo, "SQLite database " + db_.path() + ": " + text.error().message +
                                 " (id " + std::to_string(a.id) + ")");
    }
    a.text = std::move(*text);
  }
  return out;
}

Result<std::size_t> SqliteStore::prune_articles(std::chrono::sys_seconds kept_before,
                                                std::size_t limit) {
  auto u = prune_articles_.use();
  u.integer(1, sqlite::to_unix(kept_before));
  u.integer(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  if (auto r = db_.run(u, "delete old kept articles"); !r) return std::unexpected(r.error());
  return static_cast<std::size_t>(sqlite3_changes(db_.get()));
}

Result<std::vector<RecordedAlert>> SqliteStore::unpublished_alerts(std::size_t limit) {
  auto u = unpublished_.use();
  u.integer(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  return read_alerts(u, "read unpublished alerts");
}

Result<std::vector<RecordedAlert>> SqliteStore::alerts_since(std::uint64_t after,
                                                             std::string_view topic_prefix,
                                                             std::size_t limit) {
  auto u = since_.use();
  u.integer(1, static_cast<std::int64_t>(std::min<std::uint64_t>(after, INT64_MAX)));
  u.text(2, topic_prefix);
  u.integer(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  return read_alerts(u, "read alerts after " + std::to_string(after));
}

Result<std::vector<RecordedAlert>> SqliteStore::read_alerts(Statement::Use& u,
                                                            const std::string& what) {
  std::vector<RecordedAlert> alerts;
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row) break;
    alerts.push_back(RecordedAlert{.seq = static_cast<std::uint64_t>(u.column_int(0)),
                                   .topic = u.column_text(1),
                                   .json = u.column_text(2)});
  }
  return alerts;
}

Result<std::vector<StoredStoryArticle>> SqliteStore::story_articles(std::chrono::sys_seconds since,
                                                                    std::size_t limit) {
  const std::string what = "read the articles of stories";
  auto u = load_stories_.use();
  u.integer(1, sqlite::to_unix(since));
  u.integer(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  std::vector<StoredStoryArticle> out;
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row) break;
    out.push_back({.article_key = u.column_text(0),
                   .story = u.column_text(1),
                   .signature = u.column_text(2),
                   .seen = sqlite::from_unix(u.column_int(3)),
                   .story_size = static_cast<std::uint64_t>(u.column_int(4))});
  }
  return out;
}

Result<std::vector<RecordedAlert>> SqliteStore::story_alerts(std::string_view story,
                                                             std::size_t limit) {
  auto u = story_alerts_.use();
  u.text(1, story);
  u.integer(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  return read_alerts(u, "read the alerts of story " + std::string(story));
}

Result<std::size_t> SqliteStore::prune_stories(std::chrono::sys_seconds seen_before,
                                               std::size_t limit) {
  const std::string what = "delete old stories";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  std::size_t deleted = 0;
  for (auto* stmt : {&prune_story_articles_, &prune_stories_}) {
    auto u = stmt->use();
    u.integer(1, sqlite::to_unix(seen_before));
    u.integer(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
    if (stmt == &prune_story_articles_)
      deleted = static_cast<std::size_t>(sqlite3_changes(db_.get()));
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return deleted;
}

Result<AlertLog> SqliteStore::alert_log() {
  const std::string what = "read the alert counter";
  AlertLog log;
  {
    auto u = get_seq_.use();
    auto row = u.step();
    if (!row) return std::unexpected(db_.error(what));
    if (!*row)
      return fail(Errc::kIo, "SQLite database " + db_.path() + ": alert counter is missing");
    log.last_seq = static_cast<std::uint64_t>(u.column_int(0));
  }
  auto u = oldest_.use();
  auto row = u.step();
  if (!row) return std::unexpected(db_.error(what));
  if (*row && !u.column_null(0)) log.oldest_seq = static_cast<std::uint64_t>(u.column_int(0));
  return log;
}

Result<std::map<std::string, SourceCounts, std::less<>>> SqliteStore::source_counts() {
  std::map<std::string, SourceCounts, std::less<>> out;
  for (auto [stmt, items] : {std::pair{&item_counts_, true}, std::pair{&alert_counts_, false}}) {
    auto u = stmt->use();
    for (;;) {
      auto row = u.step();
      if (!row) return std::unexpected(db_.error("count items and alerts"));
      if (!*row) break;
      SourceCounts& c = out[u.column_text(0)];
      (items ? c.items : c.alerts) = static_cast<std::uint64_t>(u.column_int(1));
    }
  }
  return out;
}

Result<std::size_t> SqliteStore::prune_alerts(std::chrono::sys_seconds recorded_before,
                                              std::size_t limit) {
  auto u = prune_.use();
  u.integer(1, sqlite::to_unix(recorded_before));
  u.integer(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
  if (auto r = db_.run(u, "delete old alerts"); !r) return std::unexpected(r.error());
  return static_cast<std::size_t>(sqlite3_changes(db_.get()));
}

Result<void> SqliteStore::mark_published(std::uint64_t seq) {
  const std::string what = "mark alert " + std::to_string(seq) + " published";
  auto u = published_.use();
  u.integer(1, static_cast<std::int64_t>(seq));
  if (auto r = db_.run(u, what); !r) return r;
  if (sqlite3_changes(db_.get()) == 0) {
    return fail(Errc::kInvalid,
                "SQLite database " + db_.path() + ": cannot " + what + ": no such alert");
  }
  return {};
}

Result<void> SqliteStore::save_lookback(const LookbackProgress& p) {
  auto u = save_lookback_.use();
  u.text(1, p.watchlist).text(2, p.rule).time(3, p.since).integer(4, p.cursor);
  u.integer(5, static_cast<std::int64_t>(p.searched))
      .integer(6, static_cast<std::int64_t>(p.alerts));
  return db_.run(u, "save lookback " + p.watchlist + "/" + p.rule);
}

Result<void> SqliteStore::end_lookback(std::string_view watchlist, std::string_view rule) {
  auto u = end_lookback_.use();
  u.text(1, watchlist).text(2, rule);
  return db_.run(u, "end lookback " + std::string(watchlist) + "/" + std::string(rule));
}

Result<std::vector<LookbackProgress>> SqliteStore::lookbacks() {
  std::vector<LookbackProgress> out;
  auto u = lookbacks_.use();
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_.error("read lookbacks"));
    if (!*row) break;
    out.push_back({.watchlist = u.column_text(0),
                   .rule = u.column_text(1),
                   .since = sqlite::from_unix(u.column_int(2)),
                   .cursor = u.column_int(3),
                   .searched = static_cast<std::uint64_t>(u.column_int(4)),
                   .alerts = static_cast<std::uint64_t>(u.column_int(5))});
  }
  return out;
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
