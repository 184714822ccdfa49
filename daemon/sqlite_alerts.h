// The store's `alerts` table and the `counters` row that numbers them
// (daemon/sqlite_schema.h): alerts recorded with their seq, whether each was
// published or held back (once_per_story), replay and pruning. The calls named
// as Store's (daemon/store.h) do what Store says.
// Internal to nw_store; used by one thread at a time, like its Db.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alert.h"
#include "daemon/sqlite.h"
#include "daemon/store.h"

namespace nw::sqlite {

class AlertTable {
 public:
  // `db` must outlive the table.
  explicit AlertTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  // REQUIRES: inside a transaction. Records the alerts whose (watchlist, rule,
  // article_key) never alerted, each with the next seq, and returns them. An
  // alert of a once_per_story rule whose story (alert.story) already holds a
  // published-or-to-publish alert of that rule is recorded suppressed.
  [[nodiscard]] Result<std::vector<Alert>> insert(std::string_view source_id, std::string_view key,
                                                  std::string_view article_key,
                                                  std::vector<Alert> alerts,
                                                  const std::string& what);

  [[nodiscard]] Result<std::vector<RecordedAlert>> unpublished_alerts(std::size_t limit);
  [[nodiscard]] Result<void> mark_published(std::uint64_t seq);
  [[nodiscard]] Result<std::vector<RecordedAlert>> alerts_since(std::uint64_t after,
                                                                std::string_view topic_prefix,
                                                                std::size_t limit);
  [[nodiscard]] Result<std::vector<RecordedAlert>> latest_alerts(std::uint64_t before,
                                                                 std::string_view topic_prefix,
                                                                 std::size_t limit);
  [[nodiscard]] Result<std::vector<RecordedAlert>> story_alerts(std::string_view story,
                                                                std::size_t limit);
  [[nodiscard]] Result<AlertLog> alert_log();
  [[nodiscard]] Result<std::size_t> prune_alerts(std::chrono::sys_seconds recorded_before,
                                                 std::size_t limit);
  [[nodiscard]] Result<std::map<std::string, std::uint64_t, std::less<>>> topic_counts(
      std::chrono::sys_seconds since);
  // Sets counts[source id].alerts for every source that has alerts.
  [[nodiscard]] Result<void> count(std::map<std::string, SourceCounts, std::less<>>& counts);

 private:
  // The last seq handed out.
  [[nodiscard]] Result<std::uint64_t> last_seq(std::string_view what);
  // The (seq, topic, json) rows of `u`.
  [[nodiscard]] Result<std::vector<RecordedAlert>> read_alerts(Statement::Use& u,
                                                               std::string_view what);

  Db& db_;
  Statement get_seq_, put_seq_, add_alert_, first_in_story_, unpublished_, published_, since_,
      latest_, story_alerts_, oldest_, prune_, counts_, topic_counts_;
};

}  // namespace nw::sqlite
