// The store's schema and its migrations (daemon/sqlite_schema.h).
#include "daemon/sqlite_schema.h"

#include <cstdlib>
#include <string_view>

namespace nw::sqlite {
namespace {

constexpr int kSchemaVersion = 10;

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

// Version 2 -> 3: stories (filters/story.h). Each article's story and MinHash
// signature, each story's size, and per alert its story and whether
// once_per_story kept it from being published.
constexpr const char* kMigrateTo3 = R"sql(
ALTER TABLE alerts ADD COLUMN story TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN suppressed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_story ON alerts(story, watchlist, rule) WHERE story != '';
CREATE TABLE story_articles (
  article_key TEXT PRIMARY KEY NOT NULL,
  story TEXT NOT NULL,
  signature BLOB NOT NULL,
  seen INTEGER NOT NULL
);
CREATE INDEX story_articles_seen ON story_articles(seen);
CREATE TABLE stories (
  id TEXT PRIMARY KEY NOT NULL,
  size INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE INDEX stories_last_seen ON stories(last_seen);
PRAGMA user_version = 3;
)sql";

// Version 3 -> 4: the article archive (keep_articles). One row per item
// matched: the text the matcher read (title, zlib-compressed body), the fields
// it matched on (source, language) and what a hit shows (url, published);
// `kept` is when it was matched, the time retention and backtests go by.
constexpr const char* kMigrateTo4 = R"sql(
CREATE TABLE articles (
  id INTEGER PRIMARY KEY NOT NULL,
  source_id TEXT NOT NULL,
  item_key TEXT NOT NULL,
  article_key TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  language TEXT NOT NULL,
  published INTEGER,
  kept INTEGER NOT NULL,
  body_size INTEGER NOT NULL,
  body BLOB NOT NULL,
  UNIQUE (source_id, item_key)
);
CREATE INDEX articles_kept ON articles(kept);
PRAGMA user_version = 4;
)sql";

// Rule lookbacks in progress, so a restart resumes them.
constexpr const char* kMigrateTo5 = R"sql(
CREATE TABLE lookbacks (
  watchlist TEXT NOT NULL,
  rule TEXT NOT NULL,
  since INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  searched INTEGER NOT NULL,
  alerts INTEGER NOT NULL,
  PRIMARY KEY (watchlist, rule)
);
PRAGMA user_version = 5;
)sql";

// Version 5 -> 6: how far a story has spread (issue 25). Per story, each
// distinct source its articles came from and when it first carried it; the
// story counts them and keeps its first article's title. Articles recorded
// before count where their alerts or the archive name their source.
constexpr const char* kMigrateTo6 = R"sql(
ALTER TABLE stories ADD COLUMN sources INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN title TEXT NOT NULL DEFAULT '';
CREATE TABLE story_sources (
  story TEXT NOT NULL,
  source_id TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  PRIMARY KEY (story, source_id)
) WITHOUT ROWID;
INSERT OR IGNORE INTO story_sources(story, source_id, first_seen)
  SELECT a.story, k.source_id, min(a.seen) FROM story_articles a
  JOIN (SELECT article_key, source_id FROM alerts
        UNION SELECT article_key, source_id FROM articles) k ON k.article_key = a.article_key
  GROUP BY a.story, k.source_id;
UPDATE stories SET sources = (SELECT count(*) FROM story_sources WHERE story = stories.id);
PRAGMA user_version = 6;
)sql";

// Version 6 (or 7) -> 8: the language an item's source declares (a news
// sitemap's news:language), evidence for language identification as a page's
// <html lang> is. Version 7 adds other tables; this step does not depend on them.
constexpr const char* kMigrateTo8 = R"sql(
ALTER TABLE items ADD COLUMN language TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 8;
)sql";

// Version 8 -> 9: each source's polls over the last day by hour
// (daemon/poll_history.h), drawn on the /sources page.
constexpr const char* kMigrateTo9 = R"sql(
ALTER TABLE sources ADD COLUMN polls_day TEXT NOT NULL DEFAULT '';
PRAGMA user_version = 9;
)sql";

// Version 9 -> 10: what the analyst's pages count per request (issue 22). The
// rules page counts alerts by rule since a time, the sources and health pages
// alerts by source; with 100,000 alerts kept each was a scan of the table
// (0.4-1.4 s a page). Both now read only an index (by rule first: SQLite
// groups along it, with the time a range check inside it).
constexpr const char* kMigrateTo10 = R"sql(
CREATE INDEX IF NOT EXISTS alerts_topic_created ON alerts(watchlist, rule, created) WHERE suppressed = 0;
CREATE INDEX IF NOT EXISTS alerts_source ON alerts(source_id);
PRAGMA user_version = 10;
)sql";

}  // namespace

Result<void> init_database(sqlite3* db, const std::string& path) {
  auto exec = [&](const char* sql, std::string_view what) -> Result<void> {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fail(Errc::kIo, "cannot open SQLite database " + path + ": " + std::string(what) +
                                 ": " + sqlite3_errmsg(db));
    }
    return {};
  };
  // The first statements that read the file: a damaged file fails here with
  // "file is not a database".
  if (auto r = exec("PRAGMA journal_mode = WAL", "set WAL mode"); !r) return r;
  if (auto r = exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", "set pragmas"); !r)
    return r;

  // Read and create the schema under the write lock, so two processes opening
  // a new file at once do not both create it.
  if (auto r = exec("BEGIN IMMEDIATE", "lock for schema check"); !r) return r;
  auto schema = [&]() -> Result<void> {
    int version = -1;
    auto read_version = [](void* out, int, char** values, char**) {
      *static_cast<int*>(out) = values[0] ? std::atoi(values[0]) : 0;
      return 0;
    };
    if (sqlite3_exec(db, "PRAGMA user_version", read_version, &version, nullptr) != SQLITE_OK) {
      return fail(Errc::kIo, "cannot open SQLite database " + path +
                                 ": read schema version: " + sqlite3_errmsg(db));
    }
    if (version > kSchemaVersion) {
      return fail(Errc::kUnsupported,
                  "SQLite database " + path + " has schema version " + std::to_string(version) +
                      ", newer than this newswatch (" + std::to_string(kSchemaVersion) + ")");
    }
    // Version 0 is a new file (a file with other tables fails in CREATE TABLE).
    // Later versions migrate here, one step per version.
    if (version == 0) {
      if (auto r = exec(kSchema, "create schema"); !r) return r;
      version = 1;
    }
    if (version == 1) {
      if (auto r = exec(kMigrateTo2, "migrate schema to version 2"); !r) return r;
      version = 2;
    }
    if (version == 2) {
      if (auto r = exec(kMigrateTo3, "migrate schema to version 3"); !r) return r;
      version = 3;
    }
    if (version == 3) {
      if (auto r = exec(kMigrateTo4, "migrate schema to version 4"); !r) return r;
      version = 4;
    }
    if (version == 4) {
      if (auto r = exec(kMigrateTo5, "migrate schema to version 5"); !r) return r;
      version = 5;
    }
    if (version == 5) {
      if (auto r = exec(kMigrateTo6, "migrate schema to version 6"); !r) return r;
      version = 6;
    }
    if (version == 6 || version == 7) {
      if (auto r = exec(kMigrateTo8, "migrate schema to version 8"); !r) return r;
      version = 8;
    }
    if (version == 8) {
      if (auto r = exec(kMigrateTo9, "migrate schema to version 9"); !r) return r;
      version = 9;
    }
    if (version == 9) {
      if (auto r = exec(kMigrateTo10, "migrate schema to version 10"); !r) return r;
    }
    return {};
  }();
  if (!schema) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return std::unexpected(schema.error());
  }
  if (auto r = exec("COMMIT", "create schema"); !r) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return r;
  }
  return {};
}

Result<void> check_schema(sqlite3* db, const std::string& path) {
  int version = -1;
  auto read_version = [](void* out, int, char** values, char**) {
    *static_cast<int*>(out) = values[0] ? std::atoi(values[0]) : 0;
    return 0;
  };
  if (sqlite3_exec(db, "PRAGMA user_version", read_version, &version, nullptr) != SQLITE_OK) {
    return fail(Errc::kIo, "cannot read SQLite database " + path + ": " + sqlite3_errmsg(db));
  }
  if (version != kSchemaVersion) {
    return fail(Errc::kUnsupported,
                "SQLite database " + path + " has schema version " + std::to_string(version) +
                    "; this newswatch reads version " + std::to_string(kSchemaVersion) +
                    (version < kSchemaVersion ? " (start newswatchd once to upgrade it)" : ""));
  }
  return {};
}

}  // namespace nw::sqlite
