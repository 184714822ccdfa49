// The store's `stories` and `story_articles` tables (daemon/sqlite_schema.h):
// which story each article was given, each story's size, the signatures that
// rebuild the StoryIndex at start-up, and their pruning. The calls named as
// Store's (daemon/store.h) do what Store says.
// Internal to nw_store; used by one thread at a time, like its Db.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/sqlite.h"
#include "daemon/store.h"

namespace nw::sqlite {

// The story an article is in, as its alerts carry it.
struct StoryPlace {
  std::string story;
  std::uint64_t size = 1;  // the story's size, counting the article
};

class StoryTable {
 public:
  // `db` must outlive the table.
  explicit StoryTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  // REQUIRES: inside a transaction. Records the article in `story` unless its
  // key was recorded before (it keeps its first story), counting it in the
  // story's size; returns the story it is in.
  [[nodiscard]] Result<StoryPlace> record(std::string_view article_key, const StoryArticle& story,
                                          const std::string& what);
  // The story the article was recorded in, if any.
  [[nodiscard]] Result<std::optional<StoryPlace>> story_of(std::string_view article_key,
                                                           const std::string& what);

  [[nodiscard]] Result<std::vector<StoredStoryArticle>> story_articles(
      std::chrono::sys_seconds since, std::size_t limit);
  [[nodiscard]] Result<std::size_t> prune_stories(std::chrono::sys_seconds seen_before,
                                                  std::size_t limit);

 private:
  // The recorded size of story `id`, 1 when it has no row.
  [[nodiscard]] Result<std::uint64_t> size(const std::string& id, const std::string& what);

  Db& db_;
  Statement add_article_, story_of_, grow_, size_, load_, prune_articles_, prune_stories_;
};

}  // namespace nw::sqlite
