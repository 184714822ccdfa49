// The stories and story_articles tables (daemon/sqlite_stories.h). Each
// statement's SQL stands above the function that runs it.
#include "daemon/sqlite_stories.h"

#include <utility>

namespace nw::sqlite {

constexpr const char* kSize = "SELECT size, sources FROM stories WHERE id = ?1";

Result<void> StoryTable::read_size(StoryPlace& place, const std::string& what) {
  auto u = size_.use();
  u.text(1, place.story);
  place.size = 1;
  place.sources = 0;
  auto read = db_.read_row(u, what, [&](const Row& r) {
    place.size = r.count("size");
    place.sources = r.count("sources");
  });
  if (!read) return std::unexpected(read.error());
  return {};
}

constexpr const char* kStoryOf = "SELECT story FROM story_articles WHERE article_key = ?1";

Result<std::optional<StoryPlace>> StoryTable::story_of(std::string_view article_key,
                                                       const std::string& what) {
  std::optional<StoryPlace> place;
  {
    auto u = story_of_.use();
    u.text(1, article_key);
    auto read = db_.read_row(u, what, [&](const Row& r) { place = StoryPlace{r.text("story")}; });
    if (!read) return std::unexpected(read.error());
  }
  if (place) {
    if (auto r = read_size(*place, what); !r) return std::unexpected(r.error());
  }
  return place;
}

constexpr const char* kAddArticle =
    "INSERT INTO story_articles(article_key, story, signature, seen) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(article_key) DO NOTHING";
constexpr const char* kGrow =
    "INSERT INTO stories(id, size, first_seen, last_seen, title) VALUES (?1, 1, ?2, ?2, ?3) "
    "ON CONFLICT(id) DO UPDATE SET size = size + 1, last_seen = max(last_seen, ?2)";
constexpr const char* kAddSource =
    "INSERT INTO story_sources(story, source_id, first_seen) VALUES (?1, ?2, ?3) "
    "ON CONFLICT(story, source_id) DO NOTHING";
constexpr const char* kCountSource = "UPDATE stories SET sources = sources + 1 WHERE id = ?1";

Result<StoryPlace> StoryTable::record(std::string_view article_key, std::string_view source_id,
                                      const StoryArticle& story, const std::string& what) {
  {
    auto u = add_article_.use();
    u.text(1, article_key)
        .text(2, story.story)
        .blob(3, story.signature)
        .integer(4, to_unix(story.seen));
    if (auto r = db_.run(u, what + " (story)"); !r) return std::unexpected(r.error());
  }
  StoryPlace place{story.story};
  if (db_.changes() == 1) {
    auto u = grow_.use();
    u.text(1, place.story).integer(2, to_unix(story.seen)).text(3, story.title);
    if (auto r = db_.run(u, what + " (story size)"); !r) return std::unexpected(r.error());
    auto s = add_source_.use();
    s.text(1, place.story).text(2, source_id).integer(3, to_unix(story.seen));
    if (auto r = db_.run(s, what + " (story source)"); !r) return std::unexpected(r.error());
    if (db_.changes() == 1) {
      auto c = count_source_.use();
      c.text(1, place.story);
      if (auto r = db_.run(c, what + " (story sources)"); !r) return std::unexpected(r.error());
    }
  } else {
    auto u = story_of_.use();
    u.text(1, article_key);
    auto read = db_.read_row(u, what, [&](const Row& r) { place.story = r.text("story"); });
    if (!read) return std::unexpected(read.error());
  }
  if (auto r = read_size(place, what); !r) return std::unexpected(r.error());
  return place;
}

constexpr const char* kSourcesOf =
    "SELECT source_id, first_seen FROM story_sources WHERE story = ?1 ORDER BY first_seen, "
    "source_id";

Result<std::vector<StorySource>> StoryTable::sources_of(std::string_view story,
                                                        const std::string& what) {
  auto u = sources_of_.use();
  u.text(1, story);
  std::vector<StorySource> out;
  auto read = db_.for_each_row(u, what + " (story sources)", [&](const Row& r) {
    out.push_back(
        {.source_id = r.text("source_id"), .first_seen = from_unix(r.integer("first_seen"))});
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

constexpr const char* kLoad =
    "SELECT article_key, story, signature, seen, size FROM (SELECT a.article_key, a.story, "
    "a.signature, a.seen, s.size FROM story_articles a JOIN stories s ON s.id = a.story "
    "WHERE a.seen >= ?1 AND length(a.signature) > 0 ORDER BY a.seen DESC, a.rowid DESC "
    "LIMIT ?2) ORDER BY seen, rowid";

Result<std::vector<StoredStoryArticle>> StoryTable::story_articles(std::chrono::sys_seconds since,
                                                                   std::size_t limit) {
  auto u = load_.use();
  u.integer(1, to_unix(since)).integer(2, limit_of(limit));
  std::vector<StoredStoryArticle> out;
  auto read = db_.for_each_row(u, "read the articles of stories", [&](const Row& r) {
    out.push_back({.article_key = r.text("article_key"),
                   .story = r.text("story"),
                   .signature = r.text("signature"),
                   .seen = from_unix(r.integer("seen")),
                   .story_size = r.count("size")});
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

constexpr const char* kTop =
    "SELECT id, sources, size, first_seen, last_seen, title FROM stories WHERE last_seen >= ?1 "
    "ORDER BY sources DESC, size DESC, last_seen DESC, id LIMIT ?2";

Result<std::vector<StorySummary>> StoryTable::top_stories(std::chrono::sys_seconds since,
                                                          std::size_t limit) {
  auto u = top_.use();
  u.integer(1, to_unix(since)).integer(2, limit_of(limit));
  std::vector<StorySummary> out;
  auto read = db_.for_each_row(u, "read the stories", [&](const Row& r) {
    out.push_back({.story = r.text("id"),
                   .sources = r.count("sources"),
                   .articles = r.count("size"),
                   .first_seen = from_unix(r.integer("first_seen")),
                   .last_seen = from_unix(r.integer("last_seen")),
                   .title = r.text("title")});
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

constexpr const char* kPruneArticles =
    "DELETE FROM story_articles WHERE rowid IN (SELECT rowid FROM story_articles WHERE "
    "seen < ?1 ORDER BY seen LIMIT ?2)";
// Before kPruneStories, the same stories' sources.
constexpr const char* kPruneSources =
    "DELETE FROM story_sources WHERE story IN (SELECT id FROM stories WHERE last_seen < ?1 "
    "ORDER BY last_seen, id LIMIT ?2)";
constexpr const char* kPruneStories =
    "DELETE FROM stories WHERE id IN (SELECT id FROM stories WHERE last_seen < ?1 "
    "ORDER BY last_seen, id LIMIT ?2)";

Result<std::size_t> StoryTable::prune_stories(std::chrono::sys_seconds seen_before,
                                              std::size_t limit) {
  const std::string what = "delete old stories";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  std::size_t deleted = 0;
  for (auto* stmt : {&prune_articles_, &prune_sources_, &prune_stories_}) {
    auto u = stmt->use();
    u.integer(1, to_unix(seen_before)).integer(2, limit_of(limit));
    if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
    if (stmt == &prune_articles_) deleted = db_.changes();
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return deleted;
}

Result<void> StoryTable::prepare() {
  return db_.prepare_all({{&add_article_, kAddArticle},
                          {&story_of_, kStoryOf},
                          {&grow_, kGrow},
                          {&add_source_, kAddSource},
                          {&count_source_, kCountSource},
                          {&size_, kSize},
                          {&sources_of_, kSourcesOf},
                          {&load_, kLoad},
                          {&top_, kTop},
                          {&prune_articles_, kPruneArticles},
                          {&prune_sources_, kPruneSources},
                          {&prune_stories_, kPruneStories}});
}

}  // namespace nw::sqlite
