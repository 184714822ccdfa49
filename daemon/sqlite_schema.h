// The store's tables and their versions (PRAGMA user_version), and the set-up
// of a new connection. Internal to nw_store, called once per connection on open.
//
// Schema version 6; a file of an earlier version is migrated in place:
//   sources  one row per source id, all SourceState fields
//   items    (source_id, key) -> item, attempts, finished flag; rowid = discovery order;
//            canon (canonical link, indexed) and digest since version 2
//   alerts   seq -> rendered JSON, published flag; UNIQUE(watchlist, rule, article_key);
//            story and suppressed (once_per_story) since version 3
//   story_articles, stories  since version 3: each article's story and
//            signature; each story's size and when it was first and last seen
//   articles since version 4: the text each item was matched on, the body
//            zlib-compressed; UNIQUE(source_id, item_key); kept = when matched
//   lookbacks since version 5: (watchlist, rule) -> a lookback's progress
//   story_sources since version 6: (story, source_id) -> when that source first
//            carried the story; stories.sources counts them, stories.title is
//            the title of the story's first article
//   counters name -> value; "alert_seq" is the last seq handed out, so a seq is
//            never reused even if old alert rows are pruned one day.
// Times are integer unix seconds.
#pragma once

#include <sqlite3.h>

#include <string>

#include "feeds/error.h"

namespace nw::sqlite {

// Sets WAL mode and the connection's pragmas, then creates or migrates the
// schema of the file at `path` under the write lock. Fails with Errc::kIo
// ("cannot open SQLite database <path>: ...", also for a file that is not a
// database) or Errc::kUnsupported (a schema newer than this newswatch).
[[nodiscard]] Result<void> init_database(sqlite3* db, const std::string& path);

// For a read-only connection, which cannot create or migrate: fails unless the
// file holds this version's schema, saying what to do.
[[nodiscard]] Result<void> check_schema(sqlite3* db, const std::string& path);

}  // namespace nw::sqlite
