// The out-of-line parts of the SQLite wrappers (daemon/sqlite.h): error
// messages, exec, prepare, and the transaction guard.
#include "daemon/sqlite.h"

#include <utility>

namespace nw::sqlite {

Error Db::error(std::string_view what) const {
  return Error{Errc::kIo, "SQLite database " + path_ + ": cannot " + std::string(what) + ": " +
                              sqlite3_errmsg(db_.get())};
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
