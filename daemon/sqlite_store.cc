// The SQLite implementation of Store (daemon/store.h).
//
// Schema version 2 (PRAGMA user_version); a version 1 file is migrated in place:
//   sources  one row per source id, all SourceState fields
//   items    (source_id, key) -> item, attempts, finished flag; rowid = discovery order;
//            canon (canonical link, indexed) and digest since version 2
//   alerts   seq -> rendered JSON, published flag; UNIQUE(watchlist, rule, article_key)
//   counters name -> value; "alert_seq" is the last seq handed out, so a seq is
//            never reused even if old alert rows are pruned one day.
// Times are integer unix seconds. Every write runs in one transaction.
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <system_error>
#include <utility>

#include "daemon/store.h"

namespace nw {
namespace {

constexpr int kSchemaVersion = 2;
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE sources (
  id TEXT PRIMARY KEY NOT NULL,
  config_url TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  initialized INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_success INTEGER,
  last_attempt INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  next_poll INTEGER
);
CREATE TABLE items (
  source_id TEXT NOT NULL REFERENCES sources(id),
  key TEXT NOT NULL,
  link TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  content TEXT NOT NULL DEFAULT '',
  published INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  finished INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (source_id, key)
);
CREATE INDEX items_pending ON items(source_id) WHERE finished = 0;
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY NOT NULL,
  watchlist TEXT NOT NULL,
  rule TEXT NOT NULL,
  article_key TEXT NOT NULL,
  source_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  json TEXT NOT NULL,
  published INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL,
  UNIQUE (watchlist, rule, article_key)
);
CREATE INDEX alerts_unpublished ON alerts(seq) WHERE published = 0;
CREATE TABLE counters (
  name TEXT PRIMARY KEY NOT NULL,
  value INTEGER NOT NULL
);
INSERT INTO counters(name, value) VALUES ('alert_seq', 0);
PRAGMA user_version = 1;
)sql";

// Version 1 -> 2: item identity and adaptive polling.
constexpr const char* kMigrateTo2 = R"sql(
ALTER TABLE sources ADD COLUMN identity INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN poll_interval INTEGER;
ALTER TABLE items ADD COLUMN canon TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN digest TEXT NOT NULL DEFAULT '';
CREATE INDEX items_canon ON items(source_id, canon) WHERE canon != '';
PRAGMA user_version = 2;
)sql";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

std::int64_t to_unix(std::chrono::sys_seconds t) { return t.time_since_epoch().count(); }
std::chrono::sys_seconds from_unix(std::int64_t s) {
  return std::chrono::sys_seconds{std::chrono::seconds{s}};
}
std::int64_t unix_now() {
  return to_unix(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// A prepared statement, prepared once and reused. Each use starts with
// begin(), which resets it; the Use guard resets it again afterwards so that
// no statement keeps a read transaction open between calls.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}

  class Use {
   public:
    explicit Use(sqlite3_stmt* s) : s_(s) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }

    Use& text(int i, std::string_view v) {
      sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      return *this;
    }
    Use& integer(int i, std::int64_t v) {
      sqlite3_bind_int64(s_, i, v);
      return *this;
    }
    Use& time(int i, const std::optional<std::chrono::sys_seconds>& t) {
      if (t) {
        sqlite3_bind_int64(s_, i, to_unix(*t));
      } else {
        sqlite3_bind_null(s_, i);
      }
      return *this;
    }
    // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> the result code.
    std::expected<bool, int> step() {
      int rc = sqlite3_step(s_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      return std::unexpected(rc);
    }

    std::string column_text(int i) const {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
               : std::string();
    }
    std::int64_t column_int(int i) const { return sqlite3_column_int64(s_, i); }
    bool column_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
    std::optional<std::chrono::sys_seconds> column_time(int i) const {
      if (sqlite3_column_type(s_, i) == SQLITE_NULL) return std::nullopt;
      return from_unix(sqlite3_column_int64(s_, i));
    }

   private:
    sqlite3_stmt* s_;
  };

  Use use() const {
    sqlite3_reset(stmt_.get());
    return Use(stmt_.get());
  }

 private:
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(DbHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

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
                                         std::string_view article_key,
                                         std::vector<Alert> alerts) override;
  Result<std::vector<Alert>> unpublished_alerts() override;
  Result<void> mark_published(std::uint64_t seq) override;

 private:
  // Rolls back unless commit() succeeded, so an early return on error leaves
  // nothing half-written.
  class Transaction {
   public:
    explicit Transaction(SqliteStore& store) : store_(store) {}
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction() {
      if (open_) sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Result<void> begin(std::string_view what) {
      if (auto r = store_.exec("BEGIN IMMEDIATE", what); !r) return r;
      open_ = true;
      return {};
    }
    Result<void> commit(std::string_view what) {
      if (auto r = store_.exec("COMMIT", what); !r) return r;
      open_ = false;
      return {};
    }

   private:
    SqliteStore& store_;
    bool open_ = false;
  };

  Error db_error(std::string_view what) const {
    return Error{Errc::kIo, "SQLite database " + path_ + ": cannot " + std::string(what) + ": " +
                                sqlite3_errmsg(db_.get())};
  }
  Result<void> exec(const char* sql, std::string_view what) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return std::unexpected(db_error(what));
    }
    return {};
  }
  Result<Statement> prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK) {
      return std::unexpected(db_error(std::string("prepare statement \"") + sql + "\""));
    }
    return Statement(s);
  }
  // Runs a statement that returns no rows.
  Result<void> run(Statement::Use& u, std::string_view what) {
    if (auto r = u.step(); !r) return std::unexpected(db_error(what));
    return {};
  }
  Result<void> ensure_source(std::string_view source_id, std::string_view what) {
    auto u = ensure_source_.use();
    u.text(1, source_id);
    return run(u, what);
  }

  DbHandle db_;
  std::string path_;
  Statement get_source_, put_source_, ensure_source_, add_item_, pending_, attempt_,
      finish_existing_, finish_new_, get_seq_, put_seq_, add_alert_, unpublished_, published_,
      by_canon_, get_digest_, set_digest_, requeue_;
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
      {&attempt_,
       "UPDATE items SET attempts = attempts + 1 WHERE source_id = ?1 AND key = ?2"},
      {&finish_existing_, "UPDATE items SET finished = 1 WHERE source_id = ?1 AND key = ?2"},
      {&finish_new_,
       "INSERT INTO items(source_id, key, link, title, finished, first_seen) "
       "VALUES (?1, ?2, ?3, ?4, 1, ?5)"},
      {&get_seq_, "SELECT value FROM counters WHERE name = 'alert_seq'"},
      {&put_seq_, "UPDATE counters SET value = ?1 WHERE name = 'alert_seq'"},
      {&add_alert_,
       "INSERT INTO alerts(seq, watchlist, rule, article_key, source_id, item_key, json, "
       "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
       "ON CONFLICT(watchlist, rule, article_key) DO NOTHING"},
      {&unpublished_, "SELECT seq, json FROM alerts WHERE published = 0 ORDER BY seq"},
      {&published_, "UPDATE alerts SET published = 1 WHERE seq = ?1"},
  };
  for (const auto& e : entries) {
    auto s = prepare(e.sql);
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
  if (!row) return std::unexpected(db_error(what));
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
  s.identity = identity == 2 ? ItemIdentity::kHash
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
  return run(u, what);  // a single statement is its own transaction
}

Result<std::vector<Item>> SqliteStore::add_items(std::string_view source_id,
                                                 std::span<const Item> items, bool finished) {
  const std::string what = "add items for source '" + std::string(source_id) + "'";
  Transaction tx(*this);
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
    if (auto r = run(u, what + " (item '" + item.key + "')"); !r) {
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
    if (!row) return std::unexpected(db_error(what));
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
      if (!row) return std::unexpected(db_error(what));
      if (!*row) break;
      out.emplace_back(link, u.column_text(0));
    }
  }
  return out;
}

Result<std::vector<Item>> SqliteStore::requeue_edited(std::string_view source_id,
                                                      std::span<const Item> items) {
  const std::string what = "requeue edited items of source '" + std::string(source_id) + "'";
  Transaction tx(*this);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  std::vector<Item> edited;
  for (const Item& item : items) {
    if (item.digest.empty()) continue;
    std::optional<std::string> stored;
    {
      auto u = get_digest_.use();
      u.text(1, source_id).text(2, item.key);
      auto row = u.step();
      if (!row) return std::unexpected(db_error(what));
      if (*row) stored = u.column_text(0);
    }
    if (!stored || *stored == item.digest) continue;
    if (stored->empty()) {
      auto u = set_digest_.use();
      u.text(1, source_id).text(2, item.key).text(3, item.digest);
      if (auto r = run(u, what); !r) return std::unexpected(r.error());
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
    if (auto r = run(u, what + " (item '" + item.key + "')"); !r) return std::unexpected(r.error());
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
  if (auto r = run(u, what); !r) return r;
  if (sqlite3_changes(db_.get()) == 0) {
    return fail(Errc::kInvalid, "SQLite database " + path_ + ": cannot " + what +
                                    ": no such item was recorded");
  }
  return {};
}

Result<std::vector<Alert>> SqliteStore::finish_item(std::string_view source_id,
                                                   std::string_view key,
                                                   std::string_view article_key,
                                                   std::vector<Alert> alerts) {
  const std::string what =
      "finish item '" + std::string(key) + "' of source '" + std::string(source_id) + "'";
  Transaction tx(*this);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());

  std::uint64_t seq = 0;
  {
    auto u = get_seq_.use();
    auto row = u.step();
    if (!row) return std::unexpected(db_error(what));
    if (!*row) return fail(Errc::kIo, "SQLite database " + path_ + ": alert counter is missing");
    seq = static_cast<std::uint64_t>(u.column_int(0));
  }

  const std::int64_t now = unix_now();
  std::vector<Alert> kept;
  for (Alert& alert : alerts) {
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
        .integer(8, now);
    if (auto r = run(u, what + " (alert " + alert.topic() + ")"); !r) {
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
    if (auto r = run(u, what); !r) return std::unexpected(r.error());
  }

  {
    auto u = finish_existing_.use();
    u.text(1, source_id).text(2, key);
    if (auto r = run(u, what); !r) return std::unexpected(r.error());
  }
  if (sqlite3_changes(db_.get()) == 0) {
    // Processed without add_items first (e.g. a one-off run): record it finished.
    if (auto r = ensure_source(source_id, what); !r) return std::unexpected(r.error());
    auto u = finish_new_.use();
    const Alert* first = kept.empty() ? nullptr : &kept.front();
    u.text(1, source_id)
        .text(2, key)
        .text(3, first ? std::string_view(first->url) : std::string_view())
        .text(4, first ? std::string_view(first->title) : std::string_view())
        .integer(5, now);
    if (auto r = run(u, what); !r) return std::unexpected(r.error());
  }

  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return kept;
}

Result<std::vector<Alert>> SqliteStore::unpublished_alerts() {
  const std::string what = "read unpublished alerts";
  auto u = unpublished_.use();
  std::vector<Alert> alerts;
  for (;;) {
    auto row = u.step();
    if (!row) return std::unexpected(db_error(what));
    if (!*row) break;
    const auto seq = static_cast<std::uint64_t>(u.column_int(0));
    auto alert = alert_from_json(u.column_text(1));
    if (!alert) {
      return fail(Errc::kIo, "SQLite database " + path_ + ": stored alert " +
                                 std::to_string(seq) + " is damaged: " + alert.error().message);
    }
    alert->seq = seq;
    alerts.push_back(std::move(*alert));
  }
  return alerts;
}

Result<void> SqliteStore::mark_published(std::uint64_t seq) {
  const std::string what = "mark alert " + std::to_string(seq) + " published";
  auto u = published_.use();
  u.integer(1, static_cast<std::int64_t>(seq));
  if (auto r = run(u, what); !r) return r;
  if (sqlite3_changes(db_.get()) == 0) {
    return fail(Errc::kInvalid,
                "SQLite database " + path_ + ": cannot " + what + ": no such alert");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(Errc::kIo, "cannot create state directory " + dir.string() + ": " + ec.message());
  }
  const std::string path = (dir / "newswatch.db").string();

  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  DbHandle db(raw);  // closes even when open failed
  if (rc != SQLITE_OK) {
    return fail(Errc::kIo, "cannot open SQLite database " + path + ": " +
                               (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  auto store = std::make_unique<SqliteStore>(std::move(db), path);
  auto* s = store.get();
  auto exec = [&](const char* sql, std::string_view what) -> Result<void> {
    if (sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(Errc::kIo, "cannot open SQLite database " + path + ": " + std::string(what) +
                                 ": " + sqlite3_errmsg(raw));
    }
    return {};
  };
  // The first statements that read the file: a damaged file fails here with
  // "file is not a database".
  if (auto r = exec("PRAGMA journal_mode = WAL", "set WAL mode"); !r) {
    return std::unexpected(r.error());
  }
  if (auto r = exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", "set pragmas"); !r) {
    return std::unexpected(r.error());
  }

  // Read and create the schema under the write lock, so two processes opening
  // a new file at once do not both create it.
  if (auto r = exec("BEGIN IMMEDIATE", "lock for schema check"); !r) {
    return std::unexpected(r.error());
  }
  auto schema = [&]() -> Result<void> {
    int version = -1;
    auto read_version = [](void* out, int, char** values, char**) {
      *static_cast<int*>(out) = values[0] ? std::atoi(values[0]) : 0;
      return 0;
    };
    if (sqlite3_exec(raw, "PRAGMA user_version", read_version, &version, nullptr) != SQLITE_OK) {
      return fail(Errc::kIo, "cannot open SQLite database " + path +
                                 ": read schema version: " + sqlite3_errmsg(raw));
    }
    if (version > kSchemaVersion) {
      return fail(Errc::kUnsupported, "SQLite database " + path + " has schema version " +
                                          std::to_string(version) +
                                          ", newer than this newswatch (" +
                                          std::to_string(kSchemaVersion) + ")");
    }
    // Version 0 is a new file (a file with other tables fails in CREATE TABLE).
    // Later versions migrate here, one step per version.
    if (version == 0) {
      if (auto r = exec(kSchema, "create schema"); !r) return r;
      version = 1;
    }
    if (version == 1) {
      if (auto r = exec(kMigrateTo2, "migrate schema to version 2"); !r) return r;
    }
    return {};
  }();
  if (!schema) {
    sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    return std::unexpected(schema.error());
  }
  if (auto r = exec("COMMIT", "create schema"); !r) {
    sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    return std::unexpected(r.error());
  }
  if (auto r = s->prepare_all(); !r) return std::unexpected(r.error());
  return store;
}

}  // namespace nw
