// RAII over the SQLite C API for the store: a connection that names its file in
// errors, statements prepared once and reused, their rows read by column name,
// and a transaction guard.
// Internal to nw_store. A Db and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "feeds/error.h"

namespace nw::sqlite {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// Times are stored as integer unix seconds.
inline std::int64_t to_unix(std::chrono::sys_seconds t) { return t.time_since_epoch().count(); }
inline std::chrono::sys_seconds from_unix(std::int64_t s) {
  return std::chrono::sys_seconds{std::chrono::seconds{s}};
}
std::int64_t unix_now();
// A LIMIT from a count: SQLite's integers are signed.
inline std::int64_t limit_of(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, INT64_MAX));
}

// The current row of a statement, read by column name: the name in the SELECT
// list, or its AS alias (give every expression one). Reading by name, not by
// position, means a reordered column list cannot shift a field; a name the
// statement does not have reads as empty, 0 or NULL and makes the Db's
// for_each_row or read_row fail, naming it.
class Row {
 public:
  std::string text(std::string_view column) const;
  // Valid until the next step or the end of the statement's use.
  std::string_view blob(std::string_view column) const;
  std::int64_t integer(std::string_view column) const;
  // integer() of a column that is never negative: a count, a seq, a size.
  std::uint64_t count(std::string_view column) const {
    return static_cast<std::uint64_t>(integer(column));
  }
  bool null(std::string_view column) const;
  std::optional<std::chrono::sys_seconds> time(std::string_view column) const;

 private:
  friend class Db;
  // `s` and `columns` (its Statement's names) must outlive the Row.
  Row(sqlite3_stmt* s, const std::vector<std::string>& columns) : s_(s), columns_(columns) {}
  // The column's index, or -1 (and noted in missing_) when there is none.
  int index(std::string_view column) const;

  sqlite3_stmt* s_;
  const std::vector<std::string>& columns_;
  mutable std::size_t next_ = 0;  // where index() starts looking
  mutable std::string missing_;   // the first name asked for that the statement lacks
};

// A prepared statement, prepared once and reused. Each use starts with
// use(), which resets it; the Use guard resets it again afterwards so that
// no statement keeps a read transaction open between calls.
class Statement {
 public:
  Statement() = default;
  // Takes ownership of `s` and notes its result columns' names.
  explicit Statement(sqlite3_stmt* s);

  // Binds parameters (?1 is 1); the Db steps it (run, read_row, for_each_row).
  class Use {
   public:
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use() {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }

    Use& text(int i, std::string_view v) {
      sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      return *this;
    }
    Use& blob(int i, std::string_view v) {
      sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
      return *this;
    }
    Use& integer(int i, std::int64_t v) {
      sqlite3_bind_int64(s_, i, v);
      return *this;
    }
    Use& time(int i, const std::optional<std::chrono::sys_seconds>& t) {
      if (t) {
        sqlite3_bind_int64(s_, i, to_unix(*t));
      } else {
        sqlite3_bind_null(s_, i);
      }
      return *this;
    }

   private:
    friend class Statement;
    friend class Db;
    Use(sqlite3_stmt* s, const std::vector<std::string>& columns) : s_(s), columns_(columns) {}
    // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> the result code.
    std::expected<bool, int> step() {
      int rc = sqlite3_step(s_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      return std::unexpected(rc);
    }

    sqlite3_stmt* s_;
    const std::vector<std::string>& columns_;
  };

  // The Use must end before the Statement does.
  Use use() const {
    sqlite3_reset(stmt_.get());
    return Use(stmt_.get(), columns_);
  }

 private:
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
  std::vector<std::string> columns_;  // the result columns' names, in order
};

// A connection and the path of its file, for error messages.
class Db {
 public:
  Db(DbHandle db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  sqlite3* get() const { return db_.get(); }
  const std::string& path() const { return path_; }

  // Errc::kIo: "SQLite database <path>: cannot <what>: <SQLite's message>".
  Error error(std::string_view what) const;
  [[nodiscard]] Result<void> exec(const char* sql, std::string_view what);
  // A persistent statement, for reuse over the connection's life.
  [[nodiscard]] Result<Statement> prepare(const char* sql);
  // prepare() for each (statement, SQL) pair, stopping at the first error.
  [[nodiscard]] Result<void> prepare_all(
      std::initializer_list<std::pair<Statement*, const char*>> statements);
  // Runs a statement that returns no rows.
  [[nodiscard]] Result<void> run(Statement::Use& u, std::string_view what);
  // Rows inserted, updated or deleted by the last statement run.
  std::size_t changes() const { return static_cast<std::size_t>(sqlite3_changes(db_.get())); }

  // Steps `u` through its rows, calling fn(const Row&) on each. `fn` returns
  // void, or Result<void> to stop at an error, which is returned.
  template <class Fn>
  [[nodiscard]] Result<void> for_each_row(Statement::Use& u, std::string_view what, Fn&& fn);
  // Steps `u` once and calls fn(const Row&) on the row, if there is one;
  // returns whether there was.
  template <class Fn>
  [[nodiscard]] Result<bool> read_row(Statement::Use& u, std::string_view what, Fn&& fn);
  [[nodiscard]] Result<bool> has_row(Statement::Use& u, std::string_view what) {
    return read_row(u, what, [](const Row&) {});
  }

 private:
  // Errc::kInternal, naming the column and the statement: a reader and its
  // SQL disagree.
  Error missing_column(const Statement::Use& u, const Row& row, std::string_view what) const;

  DbHandle db_;
  std::string path_;
};

template <class Fn>
Result<void> Db::for_each_row(Statement::Use& u, std::string_view what, Fn&& fn) {
  const Row row(u.s_, u.columns_);
  for (;;) {
    auto stepped = u.step();
    if (!stepped) return std::unexpected(error(what));
    if (!*stepped) return {};
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&, const Row&>>) {
      fn(row);
    } else {
      if (auto r = fn(row); !r) return r;
    }
    if (!row.missing_.empty()) return std::unexpected(missing_column(u, row, what));
  }
}

template <class Fn>
Result<bool> Db::read_row(Statement::Use& u, std::string_view what, Fn&& fn) {
  auto stepped = u.step();
  if (!stepped) return std::unexpected(error(what));
  if (!*stepped) return false;
  const Row row(u.s_, u.columns_);
  fn(row);
  if (!row.missing_.empty()) return std::unexpected(missing_column(u, row, what));
  return true;
}

// Rolls back unless commit() succeeded, so an early return on error leaves
// nothing half-written.
class Transaction {
 public:
  // `db` must outlive the Transaction.
  explicit Transaction(Db& db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  [[nodiscard]] Result<void> begin(std::string_view what);
  [[nodiscard]] Result<void> commit(std::string_view what);

 private:
  Db& db_;
  bool open_ = false;
};

}  // namespace nw::sqlite
