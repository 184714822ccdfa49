// The store's `articles` table (daemon/sqlite_schema.h): the text each item
// was matched on, its body zlib-compressed (daemon/zlib_codec.h), read back in
// id order for backtests and lookbacks, pruned by age. The calls named as
// Store's (daemon/store.h) do what Store says.
// Internal to nw_store; used by one thread at a time, like its Db.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/sqlite.h"
#include "daemon/store.h"
#include "daemon/zlib_codec.h"

namespace nw::sqlite {

class ArchiveTable {
 public:
  // `db` must outlive the table.
  explicit ArchiveTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  // The body to keep for `text`: done before the write transaction begins,
  // so that the write lock is not held for it.
  [[nodiscard]] Result<std::string> compress(std::string_view text) { return zlib_.compress(text); }
  // REQUIRES: inside a transaction. Keeps `article` with `body` (from
  // compress), replacing what was kept of the same item before.
  [[nodiscard]] Result<void> keep(std::string_view source_id, std::string_view key,
                                  std::string_view article_key, const KeptArticle& article,
                                  std::string_view body, const std::string& what);

  [[nodiscard]] Result<std::vector<KeptArticle>> kept_articles(std::chrono::sys_seconds since,
                                                               std::int64_t after,
                                                               std::size_t limit);
  [[nodiscard]] Result<std::size_t> prune_articles(std::chrono::sys_seconds kept_before,
                                                   std::size_t limit);

 private:
  Db& db_;
  ZlibCodec zlib_;
  Statement keep_, kept_, window_start_, prune_;
};

}  // namespace nw::sqlite
