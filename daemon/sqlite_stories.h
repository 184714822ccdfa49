// The store's `stories`, `story_articles` and `story_sources` tables
// (daemon/sqlite_schema.h): which story each article was given, each story's
// size, distinct sources and first title, the signatures that
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
#include "daemon/story_spread.h"

namespace nw::sqlite {

// The story an article is in, as its alerts carry it.
struct StoryPlace {
  std::string story;
  std::uint64_t size = 1;     // the story's size, counting the article
  std::uint64_t sources = 0;  // distinct sources of its articles (0: none known)
};

class StoryTable {
 public:
  // `db` must outlive the table.
  explicit StoryTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  // REQUIRES: inside a transaction. Records the article of `source_id` in
  // `story` unless its key was recorded before (it keeps its first story),
  // counting it in the story's size and its source among the story's; returns
  // the story it is in.
  [[nodiscard]] Result<StoryPlace> record(std::string_view article_key, std::string_view source_id,
                                          const StoryArticle& story, const std::string& what);
  // The story the article was recorded in, if any.
  [[nodiscard]] Result<std::optional<StoryPlace>> story_of(std::string_view article_key,
                                                           const std::string& what);

  // The story's distinct sources, in the order first seen.
  [[nodiscard]] Result<std::vector<StorySource>> sources_of(std::string_view story,
                                                            const std::string& what);

  [[nodiscard]] Result<std::vector<StoredStoryArticle>> story_articles(
      std::chrono::sys_seconds since, std::size_t limit);
  [[nodiscard]] Result<std::vector<StorySummary>> top_stories(std::chrono::sys_seconds since,
                                                              std::size_t limit);
  [[nodiscard]] Result<std::size_t> prune_stories(std::chrono::sys_seconds seen_before,
                                                  std::size_t limit);

 private:
  // Fills in the recorded size and sources of place.story (1 and 0 when it has no row).
  [[nodiscard]] Result<void> read_size(StoryPlace& place, const std::string& what);

  Db& db_;
  Statement add_article_, story_of_, grow_, add_source_, count_source_, size_, sources_of_, load_,
      top_, prune_articles_, prune_sources_, prune_stories_;
};

}  // namespace nw::sqlite
