// The store's `sources` and `items` tables (daemon/sqlite_schema.h): each
// source's state, the items found in it and whether each is finished. The
// calls named as Store's (daemon/store.h) do what Store says; add_items and
// requeue_edited run their own transaction, finish runs in its caller's.
// Internal to nw_store; used by one thread at a time, like its Db.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/sqlite.h"
#include "daemon/store.h"

namespace nw::sqlite {

class ItemTable {
 public:
  // `db` must outlive the table.
  explicit ItemTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  [[nodiscard]] Result<SourceState> source(std::string_view source_id);
  [[nodiscard]] Result<void> save_source(std::string_view source_id, const SourceState& state);
  [[nodiscard]] Result<std::vector<Item>> add_items(std::string_view source_id,
                                                    std::span<const Item> items, bool finished);
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> keys_for_links(
      std::string_view source_id, std::span<const std::string> links);
  [[nodiscard]] Result<std::vector<Item>> requeue_edited(std::string_view source_id,
                                                         std::span<const Item> items);
  [[nodiscard]] Result<std::vector<Item>> pending_items(std::string_view source_id);
  [[nodiscard]] Result<void> record_attempt(std::string_view source_id, std::string_view key);
  // A `counters` row per source ("robots_skipped:ID"): no schema change.
  [[nodiscard]] Result<void> count_robots_skipped(std::string_view source_id);

  // REQUIRES: inside a transaction. Marks the item finished; an item that
  // add_items never recorded (a one-off run) is recorded finished, with
  // `link` and `title`.
  [[nodiscard]] Result<void> finish(std::string_view source_id, std::string_view key,
                                    std::string_view link, std::string_view title,
                                    const std::string& what);
  // Sets counts[source id].items (and .robots_skipped) for every source that has some.
  [[nodiscard]] Result<void> count(std::map<std::string, SourceCounts, std::less<>>& counts);

 private:
  [[nodiscard]] Result<void> ensure_source(std::string_view source_id, std::string_view what);

  Db& db_;
  Statement get_source_, put_source_, ensure_source_, add_item_, pending_, by_canon_, get_digest_,
      set_digest_, requeue_, attempt_, finish_existing_, finish_new_, counts_, robots_skipped_,
      robots_counts_;
};

}  // namespace nw::sqlite
