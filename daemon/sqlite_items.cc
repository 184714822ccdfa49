// The sources and items tables (daemon/sqlite_items.h). Each statement's SQL
// stands above the function that runs it.
#include "daemon/sqlite_items.h"

#include <optional>

namespace nw::sqlite {

constexpr const char* kGetSource =
    "SELECT url, etag, last_modified, initialized, disabled, consecutive_failures, "
    "last_success, last_attempt, last_error, next_poll, config_url, identity, poll_interval, "
    "polls_day FROM sources WHERE id = ?1";

Result<SourceState> ItemTable::source(std::string_view source_id) {
  auto u = get_source_.use();
  u.text(1, source_id);
  SourceState s;
  auto found = db_.read_row(u, "read source '" + std::string(source_id) + "'", [&](const Row& r) {
    s.url = r.text("url");
    s.etag = r.text("etag");
    s.last_modified = r.text("last_modified");
    s.initialized = r.integer("initialized") != 0;
    s.disabled = r.integer("disabled") != 0;
    s.consecutive_failures = static_cast<int>(r.integer("consecutive_failures"));
    s.last_success = r.time("last_success");
    s.last_attempt = r.time("last_attempt");
    s.last_error = r.text("last_error");
    s.next_poll = r.time("next_poll");
    s.config_url = r.text("config_url");
    const std::int64_t identity = r.integer("identity");
    s.identity = identity == 2   ? ItemIdentity::kHash
                 : identity == 1 ? ItemIdentity::kLink
                                 : ItemIdentity::kId;
    if (!r.null("poll_interval"))
      s.poll_interval = std::chrono::seconds(r.integer("poll_interval"));
    s.polls = PollHistory::decode(r.text("polls_day"));
  });
  if (!found) return std::unexpected(found.error());
  return s;  // a default SourceState for a source never seen
}

constexpr const char* kPutSource =
    "INSERT INTO sources(id, url, etag, last_modified, initialized, disabled, "
    "consecutive_failures, last_success, last_attempt, last_error, next_poll, config_url, "
    "identity, poll_interval, polls_day) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
    "ON CONFLICT(id) DO UPDATE SET url = excluded.url, etag = excluded.etag, "
    "last_modified = excluded.last_modified, initialized = excluded.initialized, "
    "disabled = excluded.disabled, consecutive_failures = excluded.consecutive_failures, "
    "last_success = excluded.last_success, last_attempt = excluded.last_attempt, "
    "last_error = excluded.last_error, next_poll = excluded.next_poll, "
    "config_url = excluded.config_url, identity = excluded.identity, "
    "poll_interval = excluded.poll_interval, polls_day = excluded.polls_day";

Result<void> ItemTable::save_source(std::string_view source_id, const SourceState& state) {
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
      .integer(13, static_cast<std::int64_t>(state.identity))
      .text(15, state.polls.encode());
  if (state.poll_interval) u.integer(14, state.poll_interval->count());
  return db_.run(u, what);  // a single statement is its own transaction
}

constexpr const char* kEnsureSource =
    "INSERT INTO sources(id) VALUES (?1) ON CONFLICT(id) DO NOTHING";

Result<void> ItemTable::ensure_source(std::string_view source_id, std::string_view what) {
  auto u = ensure_source_.use();
  u.text(1, source_id);
  return db_.run(u, what);
}

namespace {

// The feed's fields of an item, numbered alike in kAddItem and kRequeue: ?1
// source, ?2 key, ?3 to ?7 link, title, summary, content, published; ?11
// canonical link, ?12 digest, ?13 declared language.
void bind_item(Statement::Use& u, std::string_view source_id, const Item& item) {
  u.text(1, source_id)
      .text(2, item.key)
      .text(3, item.link)
      .text(4, item.title)
      .text(5, item.summary)
      .text(6, item.content)
      .time(7, item.published)
      .text(11, item.canonical_link)
      .text(12, item.digest)
      .text(13, item.language);
}

}  // namespace

constexpr const char* kAddItem =
    "INSERT INTO items(source_id, key, link, title, summary, content, published, attempts, "
    "finished, first_seen, canon, digest, language) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "?9, ?10, ?11, ?12, ?13) ON CONFLICT(source_id, key) DO NOTHING";

Result<std::vector<Item>> ItemTable::add_items(std::string_view source_id,
                                               std::span<const Item> items, bool finished) {
  const std::string what = "add items for source '" + std::string(source_id) + "'";
  Transaction tx(db_);
  if (auto r = tx.begin(what); !r) return std::unexpected(r.error());
  if (auto r = ensure_source(source_id, what); !r) return std::unexpected(r.error());
  const std::int64_t now = unix_now();
  std::vector<Item> added;
  for (const Item& item : items) {
    auto u = add_item_.use();
    bind_item(u, source_id, item);
    u.integer(8, item.attempts).integer(9, finished).integer(10, now);
    if (auto r = db_.run(u, what + " (item '" + item.key + "')"); !r) {
      return std::unexpected(r.error());
    }
    // 0 changes: the key was recorded before, or earlier in this same call.
    if (db_.changes() == 1) added.push_back(item);
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return added;
}

constexpr const char* kPending =
    "SELECT key, link, title, summary, content, published, attempts, canon, digest, language "
    "FROM items "
    "WHERE source_id = ?1 AND finished = 0 ORDER BY rowid";

Result<std::vector<Item>> ItemTable::pending_items(std::string_view source_id) {
  const std::string what = "read pending items of source '" + std::string(source_id) + "'";
  auto u = pending_.use();
  u.text(1, source_id);
  std::vector<Item> items;
  auto read = db_.for_each_row(u, what, [&](const Row& r) {
    Item& it = items.emplace_back();
    it.key = r.text("key");
    it.link = r.text("link");
    it.title = r.text("title");
    it.summary = r.text("summary");
    it.content = r.text("content");
    it.published = r.time("published");
    it.attempts = static_cast<int>(r.integer("attempts"));
    it.canonical_link = r.text("canon");
    it.digest = r.text("digest");
    it.language = r.text("language");
  });
  if (!read) return std::unexpected(read.error());
  return items;
}

constexpr const char* kByCanon =
    "SELECT key FROM items WHERE source_id = ?1 AND canon = ?2 AND canon != ''";

Result<std::vector<std::pair<std::string, std::string>>> ItemTable::keys_for_links(
    std::string_view source_id, std::span<const std::string> links) {
  const std::string what = "look up links of source '" + std::string(source_id) + "'";
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& link : links) {
    if (link.empty()) continue;
    auto u = by_canon_.use();
    u.text(1, source_id).text(2, link);
    auto read =
        db_.for_each_row(u, what, [&](const Row& r) { out.emplace_back(link, r.text("key")); });
    if (!read) return std::unexpected(read.error());
  }
  return out;
}

constexpr const char* kGetDigest = "SELECT digest FROM items WHERE source_id = ?1 AND key = ?2";
constexpr const char* kSetDigest = "UPDATE items SET digest = ?3 WHERE source_id = ?1 AND key = ?2";
constexpr const char* kRequeue =
    "UPDATE items SET link = ?3, title = ?4, summary = ?5, content = ?6, published = ?7, "
    "canon = ?11, digest = ?12, language = ?13, attempts = 0, finished = 0 WHERE source_id = ?1 "
    "AND key = ?2";

Result<std::vector<Item>> ItemTable::requeue_edited(std::string_view source_id,
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
      auto read = db_.read_row(u, what, [&](const Row& r) { stored = r.text("digest"); });
      if (!read) return std::unexpected(read.error());
    }
    if (!stored || *stored == item.digest) continue;
    if (stored->empty()) {
      auto u = set_digest_.use();
      u.text(1, source_id).text(2, item.key).text(3, item.digest);
      if (auto r = db_.run(u, what); !r) return std::unexpected(r.error());
      continue;
    }
    auto u = requeue_.use();
    bind_item(u, source_id, item);
    if (auto r = db_.run(u, what + " (item '" + item.key + "')"); !r)
      return std::unexpected(r.error());
    Item& e = edited.emplace_back(item);
    e.attempts = 0;
  }
  if (auto r = tx.commit(what); !r) return std::unexpected(r.error());
  return edited;
}

constexpr const char* kAttempt =
    "UPDATE items SET attempts = attempts + 1 WHERE source_id = ?1 AND key = ?2";

Result<void> ItemTable::record_attempt(std::string_view source_id, std::string_view key) {
  const std::string what = "record an attempt on item '" + std::string(key) + "' of source '" +
                           std::string(source_id) + "'";
  auto u = attempt_.use();
  u.text(1, source_id).text(2, key);
  if (auto r = db_.run(u, what); !r) return r;
  if (db_.changes() == 0) {
    return fail(Errc::kInvalid, "SQLite database " + db_.path() + ": cannot " + what +
                                    ": no such item was recorded");
  }
  return {};
}

constexpr const char* kFinishExisting =
    "UPDATE items SET finished = 1 WHERE source_id = ?1 AND key = ?2";
constexpr const char* kFinishNew =
    "INSERT INTO items(source_id, key, link, title, finished, first_seen) "
    "VALUES (?1, ?2, ?3, ?4, 1, ?5)";

Result<void> ItemTable::finish(std::string_view source_id, std::string_view key,
                               std::string_view link, std::string_view title,
                               const std::string& what) {
  {
    auto u = finish_existing_.use();
    u.text(1, source_id).text(2, key);
    if (auto r = db_.run(u, what); !r) return r;
  }
  if (db_.changes() != 0) return {};
  if (auto r = ensure_source(source_id, what); !r) return r;
  // "" rather than an empty view: a view with no data binds NULL.
  auto or_empty = [](std::string_view v) { return v.data() ? v : std::string_view(""); };
  auto u = finish_new_.use();
  u.text(1, source_id).text(2, key).text(3, or_empty(link)).text(4, or_empty(title));
  u.integer(5, unix_now());
  return db_.run(u, what);
}

constexpr const char* kCounts = "SELECT source_id, count(*) AS n FROM items GROUP BY source_id";
constexpr const char* kRobotsSkipped =
    "INSERT INTO counters(name, value) VALUES ('robots_skipped:' || ?1, 1) "
    "ON CONFLICT(name) DO UPDATE SET value = value + 1";
constexpr const char* kRobotsCounts =
    "SELECT substr(name, 16) AS source_id, value AS n FROM counters "
    "WHERE name >= 'robots_skipped:' AND name < 'robots_skipped;'";

Result<void> ItemTable::count(std::map<std::string, SourceCounts, std::less<>>& counts) {
  auto u = counts_.use();
  if (auto r =
          db_.for_each_row(u, "count items and alerts",
                           [&](const Row& r) { counts[r.text("source_id")].items = r.count("n"); });
      !r) {
    return r;
  }
  auto robots = robots_counts_.use();
  return db_.for_each_row(robots, "count articles robots.txt disallowed", [&](const Row& r) {
    counts[r.text("source_id")].robots_skipped = r.count("n");
  });
}

Result<void> ItemTable::count_robots_skipped(std::string_view source_id) {
  auto u = robots_skipped_.use();
  u.text(1, source_id);
  return db_.run(
      u, "count an article of source '" + std::string(source_id) + "' robots.txt disallowed");
}

Result<void> ItemTable::prepare() {
  return db_.prepare_all({{&get_source_, kGetSource},
                          {&put_source_, kPutSource},
                          {&ensure_source_, kEnsureSource},
                          {&add_item_, kAddItem},
                          {&pending_, kPending},
                          {&by_canon_, kByCanon},
                          {&get_digest_, kGetDigest},
                          {&set_digest_, kSetDigest},
                          {&requeue_, kRequeue},
                          {&attempt_, kAttempt},
                          {&finish_existing_, kFinishExisting},
                          {&finish_new_, kFinishNew},
                          {&counts_, kCounts},
                          {&robots_skipped_, kRobotsSkipped},
                          {&robots_counts_, kRobotsCounts}});
}

}  // namespace nw::sqlite
