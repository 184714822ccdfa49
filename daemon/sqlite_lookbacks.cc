// The lookbacks table (daemon/sqlite_lookbacks.h). Each statement's SQL stands
// above the function that runs it.
#include "daemon/sqlite_lookbacks.h"

#include <string>

namespace nw::sqlite {

// An upsert that keeps the row, so lookbacks() lists runs as begun.
constexpr const char* kSave =
    "INSERT INTO lookbacks(watchlist, rule, since, cursor, searched, alerts) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (watchlist, rule) DO UPDATE SET "
    "since = excluded.since, cursor = excluded.cursor, searched = excluded.searched, "
    "alerts = excluded.alerts";

Result<void> LookbackTable::save_lookback(const LookbackProgress& p) {
  auto u = save_.use();
  u.text(1, p.watchlist).text(2, p.rule).time(3, p.since).integer(4, p.cursor);
  u.integer(5, static_cast<std::int64_t>(p.searched))
      .integer(6, static_cast<std::int64_t>(p.alerts));
  return db_.run(u, "save lookback " + p.watchlist + "/" + p.rule);
}

constexpr const char* kEnd = "DELETE FROM lookbacks WHERE watchlist = ?1 AND rule = ?2";

Result<void> LookbackTable::end_lookback(std::string_view watchlist, std::string_view rule) {
  auto u = end_.use();
  u.text(1, watchlist).text(2, rule);
  return db_.run(u, "end lookback " + std::string(watchlist) + "/" + std::string(rule));
}

constexpr const char* kList =
    "SELECT watchlist, rule, since, cursor, searched, alerts FROM lookbacks ORDER BY rowid";

Result<std::vector<LookbackProgress>> LookbackTable::lookbacks() {
  auto u = list_.use();
  std::vector<LookbackProgress> out;
  auto read = db_.for_each_row(u, "read lookbacks", [&](const Row& r) {
    out.push_back({.watchlist = r.text("watchlist"),
                   .rule = r.text("rule"),
                   .since = from_unix(r.integer("since")),
                   .cursor = r.integer("cursor"),
                   .searched = r.count("searched"),
                   .alerts = r.count("alerts")});
  });
  if (!read) return std::unexpected(read.error());
  return out;
}

Result<void> LookbackTable::prepare() {
  return db_.prepare_all({{&save_, kSave}, {&end_, kEnd}, {&list_, kList}});
}

}  // namespace nw::sqlite
