// The articles table (daemon/sqlite_archive.h). Each statement's SQL stands
// above the function that runs it.
#include "daemon/sqlite_archive.h"

#include <algorithm>
#include <utility>

namespace nw::sqlite {

// REPLACE: an item matched again (edited) is kept once, as last read.
constexpr const char* kKeep =
    "INSERT OR REPLACE INTO articles(source_id, item_key, article_key, url, title, language, "
    "published, kept, body_size, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

Result<void> ArchiveTable::keep(std::string_view source_id, std::string_view key,
                                std::string_view article_key, const KeptArticle& article,
                                std::string_view body, const std::string& what) {
  auto u = keep_.use();
  u.text(1, source_id)
      .text(2, key)
      .text(3, article_key)
      .text(4, article.url)
      .text(5, article.title)
      .text(6, article.language)
      .time(7, article.published)
      .integer(8, to_unix(article.kept))
      .integer(9, static_cast<std::int64_t>(article.text.size()))
      .blob(10, body);
  return db_.run(u, what + " (keep its text)");
}

// The window's first article, through the kept index: a first batch does not
// walk the rows older than the window one by one.
constexpr const char* kWindowStart = "SELECT min(id) AS first_id FROM articles WHERE kept >= ?1";
// `+kept`: walk the rowid from the cursor (the window is a suffix of the
// table, ids grow with time), not the kept index, which would sort the whole
// window again for every batch.
constexpr const char* kKept =
    "SELECT id, source_id, item_key, article_key, url, title, language, published, kept, "
    "body_size, body FROM articles WHERE id > ?2 AND +kept >= ?1 ORDER BY id LIMIT ?3";

Result<std::vector<KeptArticle>> ArchiveTable::kept_articles(std::chrono::sys_seconds since,
                                                             std::int64_t after,
                                                             std::size_t limit) {
  const std::string what = "read kept articles";
  if (after == 0) {
    auto w = window_start_.use();
    w.integer(1, to_unix(since));
    std::optional<std::int64_t> first;
    auto read = db_.read_row(w, what, [&](const Row& r) {
      if (!r.null("first_id")) first = r.integer("first_id");
    });
    if (!read) return std::unexpected(read.error());
    if (!first) return std::vector<KeptArticle>{};
    after = *first - 1;
  }
  auto u = kept_.use();
  u.integer(1, to_unix(since)).integer(2, after).integer(3, limit_of(limit));
  std::vector<KeptArticle> out;
  out.reserve(std::min<std::size_t>(limit, 4096));
  auto read = db_.for_each_row(u, what, [&](const Row& r) -> Result<void> {
    KeptArticle& a = out.emplace_back();
    a.id = r.integer("id");
    a.source_id = r.text("source_id");
    a.item_key = r.text("item_key");
    a.article_key = r.text("article_key");
    a.url = r.text("url");
    a.title = r.text("title");
    a.language = r.text("language");
    a.published = r.time("published");
    a.kept = from_unix(r.integer("kept"));
    auto text = zlib_.decompress(r.blob("body"), static_cast<std::size_t>(r.integer("body_size")));
    if (!text) {
      return fail(Errc::kIo, "SQLite database " + db_.path() + ": " + text.error().message +
                                 " (id " + std::to_string(a.id) + ")");
    }
    a.text = std::move(*text);
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

constexpr const char* kPrune =
    "DELETE FROM articles WHERE id IN (SELECT id FROM articles WHERE kept < ?1 "
    "ORDER BY kept LIMIT ?2)";

Result<std::size_t> ArchiveTable::prune_articles(std::chrono::sys_seconds kept_before,
                                                 std::size_t limit) {
  auto u = prune_.use();
  u.integer(1, to_unix(kept_before)).integer(2, limit_of(limit));
  if (auto r = db_.run(u, "delete old kept articles"); !r) return std::unexpected(r.error());
  return db_.changes();
}

Result<void> ArchiveTable::prepare() {
  return db_.prepare_all(
      {{&keep_, kKeep}, {&kept_, kKept}, {&window_start_, kWindowStart}, {&prune_, kPrune}});
}

}  // namespace nw::sqlite
