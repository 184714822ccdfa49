// The out-of-line parts of the SQLite wrappers (daemon/sqlite.h): error
// messages, exec, prepare, reading columns by name, and the transaction guard.
#include "daemon/sqlite.h"

#include <utility>

namespace nw::sqlite {

std::int64_t unix_now() {
  using std::chrono::floor, std::chrono::seconds, std::chrono::system_clock;
  return to_unix(floor<seconds>(system_clock::now()));
}

int Row::index(std::string_view column) const {
  // From the column after the last one found: readers mostly go in SELECT
  // order, so that is one comparison a column.
  const std::size_t n = columns_.size();
  std::size_t i = next_;
  for (std::size_t k = 0; k < n; ++k, ++i) {
    if (i >= n) i = 0;
    if (columns_[i] == column) {
      next_ = i + 1;
      return static_cast<int>(i);
    }
  }
  if (missing_.empty()) missing_ = column;
  return -1;
}

std::string Row::text(std::string_view column) const {
  const int i = index(column);
  if (i < 0) return {};
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i))) : std::string();
}

std::string_view Row::blob(std::string_view column) const {
  const int i = index(column);
  if (i < 0) return {};
  const void* p = sqlite3_column_blob(s_, i);
  const int n = sqlite3_column_bytes(s_, i);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

std::int64_t Row::integer(std::string_view column) const {
  const int i = index(column);
  return i < 0 ? 0 : sqlite3_column_int64(s_, i);
}

bool Row::null(std::string_view column) const {
  const int i = index(column);
  return i < 0 || sqlite3_column_type(s_, i) == SQLITE_NULL;
}

std::optional<std::chrono::sys_seconds> Row::time(std::string_view column) const {
  const int i = index(column);
  if (i < 0 || sqlite3_column_type(s_, i) == SQLITE_NULL) return std::nullopt;
  return from_unix(sqlite3_column_int64(s_, i));
}

Statement::Statement(sqlite3_stmt* s) : stmt_(s) {
  const int n = sqlite3_column_count(s);
  columns_.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const char* name = sqlite3_column_name(s, i);
    columns_.emplace_back(name ? name : "");
  }
}

Error Db::error(std::string_view what) const {
  return Error{Errc::kIo, "SQLite database " + path_ + ": cannot " + std::string(what) + ": " +
                              sqlite3_errmsg(db_.get())};
}

Error Db::missing_column(const Statement::Use& u, const Row& row, std::string_view what) const {
  return Error{Errc::kInternal, "SQLite database " + path_ + ": cannot " + std::string(what) +
                                    ": the statement has no column '" + row.missing_ + "' (" +
                                    sqlite3_sql(u.s_) + ")"};
}

Result<void> Db::exec(const char* sql, std::string_view what) {
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return std::unexpected(error(what));
  }
  return {};
}

Result<Statement> Db::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return std::unexpected(error(std::string("prepare statement \"") + sql + "\""));
  }
  return Statement(s);
}

Result<void> Db::prepare_all(std::initializer_list<std::pair<Statement*, const char*>> statements) {
  for (const auto& [stmt, sql] : statements) {
    auto s = prepare(sql);
    if (!s) return std::unexpected(s.error());
    *stmt = std::move(*s);
  }
  return {};
}

Result<void> Db::run(Statement::Use& u, std::string_view what) {
  if (auto r = u.step(); !r) return std::unexpected(error(what));
  return {};
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> Transaction::begin(std::string_view what) {
  if (auto r = db_.exec("BEGIN IMMEDIATE", what); !r) return r;
  open_ = true;
  return {};
}

Result<void> Transaction::commit(std::string_view what) {
  if (auto r = db_.exec("COMMIT", what); !r) return r;
  open_ = false;
  return {};
}

}  // namespace nw::sqlite
