// The alerts table and its counter (daemon/sqlite_alerts.h). Each statement's
// SQL stands above the function that runs it.
#include "daemon/sqlite_alerts.h"

#include <utility>

namespace nw::sqlite {

constexpr const char* kGetSeq = "SELECT value FROM counters WHERE name = 'alert_seq'";

Result<std::uint64_t> AlertTable::last_seq(std::string_view what) {
  auto u = get_seq_.use();
  std::uint64_t seq = 0;
  auto found = db_.read_row(u, what, [&](const Row& r) { seq = r.count("value"); });
  if (!found) return std::unexpected(found.error());
  if (!*found)
    return fail(Errc::kIo, "SQLite database " + db_.path() + ": alert counter is missing");
  return seq;
}

constexpr const char* kPutSeq = "UPDATE counters SET value = ?1 WHERE name = 'alert_seq'";
constexpr const char* kAddAlert =
    "INSERT INTO alerts(seq, watchlist, rule, article_key, source_id, item_key, json, "
    "created, story, suppressed, published) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
    "?10) ON CONFLICT(watchlist, rule, article_key) DO NOTHING";
// Whether the story holds an alert of this rule that was (or will be) published.
constexpr const char* kFirstInStory =
    "SELECT 1 FROM alerts WHERE story = ?1 AND watchlist = ?2 AND rule = ?3 AND "
    "suppressed = 0 LIMIT 1";

Result<std::vector<Alert>> AlertTable::insert(std::string_view source_id, std::string_view key,
                                              std::string_view article_key,
                                              std::vector<Alert> alerts, const std::string& what) {
  auto last = last_seq(what);
  if (!last) return std::unexpected(last.error());
  std::uint64_t seq = *last;
  const std::int64_t now = unix_now();
  std::vector<Alert> kept;
  for (Alert& alert : alerts) {
    alert.suppressed = false;
    // A min_sources rule is once per story too; an article in no story is
    // one source, short of any threshold.
    if (alert.min_sources > 0 && alert.story.empty()) alert.held = true;
    if ((alert.once_per_story || alert.min_sources > 0) && !alert.story.empty()) {
      auto u = first_in_story_.use();
      u.text(1, alert.story).text(2, alert.watchlist).text(3, alert.rule);
      auto alerted = db_.has_row(u, what);
      if (!alerted) return std::unexpected(alerted.error());
      alert.suppressed = *alerted;
      if (*alerted) alert.held = false;  // past the threshold, once per story
    }
    if (alert.held) alert.suppressed = true;
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
    if (db_.changes() == 1) {
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

Result<std::vector<RecordedAlert>> AlertTable::read_alerts(Statement::Use& u,
                                                           std::string_view what) {
  std::vector<RecordedAlert> alerts;
  auto read = db_.for_each_row(u, what, [&](const Row& r) {
    alerts.push_back(
        RecordedAlert{.seq = r.count("seq"), .topic = r.text("topic"), .json = r.text("json")});
  });
  if (!read) return std::unexpected(read.error());
  return alerts;
}

// Suppressed alerts are recorded with published = 1: nothing is left to send.
constexpr const char* kUnpublished =
    "SELECT seq, watchlist || '/' || rule AS topic, json FROM alerts WHERE published = 0 "
    "ORDER BY seq LIMIT ?1";

Result<std::vector<RecordedAlert>> AlertTable::unpublished_alerts(std::size_t limit) {
  auto u = unpublished_.use();
  u.integer(1, limit_of(limit));
  return read_alerts(u, "read unpublished alerts");
}

constexpr const char* kPublished = "UPDATE alerts SET published = 1 WHERE seq = ?1";

Result<void> AlertTable::mark_published(std::uint64_t seq) {
  const std::string what = "mark alert " + std::to_string(seq) + " published";
  auto u = published_.use();
  u.integer(1, static_cast<std::int64_t>(seq));
  if (auto r = db_.run(u, what); !r) return r;
  if (db_.changes() == 0) {
    return fail(Errc::kInvalid,
                "SQLite database " + db_.path() + ": cannot " + what + ": no such alert");
  }
  return {};
}

// A byte prefix, as ZeroMQ compares topics: no LIKE wildcards to escape in a
// prefix such as "libya/haftar_cairo", no character counting.
constexpr const char* kSince =
    "SELECT seq, watchlist || '/' || rule AS topic, json FROM alerts WHERE seq > ?1 AND "
    "suppressed = 0 AND substr(CAST(topic AS BLOB), 1, length(CAST(?2 AS BLOB))) = CAST(?2 AS "
    "BLOB) "
    "ORDER BY seq LIMIT ?3";

Result<std::vector<RecordedAlert>> AlertTable::alerts_since(std::uint64_t after,
                                                            std::string_view topic_prefix,
                                                            std::size_t limit) {
  auto u = since_.use();
  u.integer(1, static_cast<std::int64_t>(std::min<std::uint64_t>(after, INT64_MAX)));
  u.text(2, topic_prefix);
  u.integer(3, limit_of(limit));
  return read_alerts(u, "read alerts after " + std::to_string(after));
}

// Newest first, walking the seq key backwards: the Atom feed's last alerts.
constexpr const char* kLatest =
    "SELECT seq, watchlist || '/' || rule AS topic, json FROM alerts WHERE seq < ?1 AND "
    "suppressed = 0 AND substr(CAST(topic AS BLOB), 1, length(CAST(?2 AS BLOB))) = CAST(?2 AS "
    "BLOB) "
    "ORDER BY seq DESC LIMIT ?3";

Result<std::vector<RecordedAlert>> AlertTable::latest_alerts(std::uint64_t before,
                                                             std::string_view topic_prefix,
                                                             std::size_t limit) {
  auto u = latest_.use();
  u.integer(1, static_cast<std::int64_t>(std::min<std::uint64_t>(before, INT64_MAX)));
  u.text(2, topic_prefix);
  u.integer(3, limit_of(limit));
  return read_alerts(u, "read the latest alerts before " + std::to_string(before));
}

constexpr const char* kStoryAlerts =
    "SELECT seq, watchlist || '/' || rule AS topic, json FROM alerts WHERE story = ?1 "
    "ORDER BY seq LIMIT ?2";

Result<std::vector<RecordedAlert>> AlertTable::story_alerts(std::string_view story,
                                                            std::size_t limit) {
  auto u = story_alerts_.use();
  u.text(1, story);
  u.integer(2, limit_of(limit));
  return read_alerts(u, "read the alerts of story " + std::string(story));
}

constexpr const char* kOldest = "SELECT min(seq) AS oldest FROM alerts";

Result<AlertLog> AlertTable::alert_log() {
  const std::string what = "read the alert counter";
  AlertLog log;
  auto last = last_seq(what);
  if (!last) return std::unexpected(last.error());
  log.last_seq = *last;
  auto u = oldest_.use();
  auto read = db_.read_row(u, what, [&](const Row& r) {
    if (!r.null("oldest")) log.oldest_seq = r.count("oldest");
  });
  if (!read) return std::unexpected(read.error());
  return log;
}

constexpr const char* kPrune =
    "DELETE FROM alerts WHERE seq IN (SELECT seq FROM alerts WHERE published = 1 "
    "AND created < ?1 ORDER BY seq LIMIT ?2)";

Result<std::size_t> AlertTable::prune_alerts(std::chrono::sys_seconds recorded_before,
                                             std::size_t limit) {
  auto u = prune_.use();
  u.integer(1, to_unix(recorded_before)).integer(2, limit_of(limit));
  if (auto r = db_.run(u, "delete old alerts"); !r) return std::unexpected(r.error());
  return db_.changes();
}

constexpr const char* kCounts = "SELECT source_id, count(*) AS n FROM alerts GROUP BY source_id";

Result<void> AlertTable::count(std::map<std::string, SourceCounts, std::less<>>& counts) {
  auto u = counts_.use();
  return db_.for_each_row(u, "count items and alerts",
                          [&](const Row& r) { counts[r.text("source_id")].alerts = r.count("n"); });
}

constexpr const char* kTopicCounts =
    "SELECT watchlist || '/' || rule AS topic, count(*) AS n FROM alerts WHERE created >= ?1 "
    "AND suppressed = 0 GROUP BY watchlist, rule";

Result<std::map<std::string, std::uint64_t, std::less<>>> AlertTable::topic_counts(
    std::chrono::sys_seconds since) {
  std::map<std::string, std::uint64_t, std::less<>> counts;
  auto u = topic_counts_.use();
  u.integer(1, to_unix(since));
  auto read = db_.for_each_row(u, "count alerts by rule",
                               [&](const Row& r) { counts[r.text("topic")] = r.count("n"); });
  if (!read) return std::unexpected(read.error());
  return counts;
}

Result<void> AlertTable::prepare() {
  return db_.prepare_all({{&get_seq_, kGetSeq},
                          {&put_seq_, kPutSeq},
                          {&add_alert_, kAddAlert},
                          {&first_in_story_, kFirstInStory},
                          {&unpublished_, kUnpublished},
                          {&published_, kPublished},
                          {&since_, kSince},
                          {&latest_, kLatest},
                          {&story_alerts_, kStoryAlerts},
                          {&oldest_, kOldest},
                          {&prune_, kPrune},
                          {&counts_, kCounts},
                          {&topic_counts_, kTopicCounts}});
}

}  // namespace nw::sqlite
