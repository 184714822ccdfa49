// RAII over the SQLite C API for the store: a connection that names its file in
// errors, statements prepared once and reused, and a transaction guard.
// Internal to nw_store. A Db and its statements are used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

// A prepared statement, prepared once and reused. Each use starts with
// use(), which resets it; the Use guard resets it again afterwards so that
// no statement keeps a read transaction open between calls.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}

  class Use {
   public:
    explicit Use(sqlite3_stmt* s) : s_(s) {}
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
    // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else -> the result code.
    std::expected<bool, int> step() {
      int rc = sqlite3_step(s_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      return std::unexpected(rc);
    }

    std::string column_text(int i) const {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
               : std::string();
    }
    // Valid until the next step() or the end of the Use.
    std::string_view column_blob(int i) const {
      const void* p = sqlite3_column_blob(s_, i);
      const int n = sqlite3_column_bytes(s_, i);
      return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
               : std::string_view();
    }
    std::int64_t column_int(int i) const { return sqlite3_column_int64(s_, i); }
    bool column_null(int i) const { return sqlite3_column_type(s_, i) == SQLITE_NULL; }
    std::optional<std::chrono::sys_seconds> column_time(int i) const {
      if (sqlite3_column_type(s_, i) == SQLITE_NULL) return std::nullopt;
      return from_unix(sqlite3_column_int64(s_, i));
    }

   private:
    sqlite3_stmt* s_;
  };

  Use use() const {
    sqlite3_reset(stmt_.get());
    return Use(stmt_.get());
  }

 private:
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
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
  // Runs a statement that returns no rows.
  [[nodiscard]] Result<void> run(Statement::Use& u, std::string_view what);

 private:
  DbHandle db_;
  std::string path_;
};

// Rolls back unless commit() succeeded, so an early return on error leaves
// nothing half-written.
class Transaction {
 public:
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
