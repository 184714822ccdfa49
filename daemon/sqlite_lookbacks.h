// The store's `lookbacks` table (daemon/sqlite_schema.h): the rule lookbacks
// in progress, so that a restart resumes them. The calls named as Store's
// (daemon/store.h) do what Store says.
// Internal to nw_store; used by one thread at a time, like its Db.
#pragma once

#include <string_view>
#include <vector>

#include "daemon/sqlite.h"
#include "daemon/store.h"

namespace nw::sqlite {

class LookbackTable {
 public:
  // `db` must outlive the table.
  explicit LookbackTable(Db& db) : db_(db) {}
  [[nodiscard]] Result<void> prepare();  // once, before any other call

  [[nodiscard]] Result<void> save_lookback(const LookbackProgress& progress);
  [[nodiscard]] Result<void> end_lookback(std::string_view watchlist, std::string_view rule);
  [[nodiscard]] Result<std::vector<LookbackProgress>> lookbacks();

 private:
  Db& db_;
  Statement save_, end_, list_;
};

}  // namespace nw::sqlite
