#include "daemon/sqlite_checkpointer.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <utility>

namespace nw::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          std::chrono::milliseconds every) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) {
    return fail(Errc::kIo, "SQLite database " + path + ": cannot open a checkpoint connection: " +
                               (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  // A connection learns that the file is in WAL mode on its first read; until
  // then a checkpoint does nothing.
  if (sqlite3_exec(db.get(), "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return fail(Errc::kIo, "SQLite database " + path +
                               ": cannot read it for checkpoints: " + sqlite3_errmsg(db.get()));
  }
  return std::unique_ptr<Checkpointer>(new Checkpointer(std::move(db), path, every));
}

Checkpointer::Checkpointer(DbHandle db, std::string path, std::chrono::milliseconds every)
    : db_(std::move(db)),
      path_(std::move(path)),
      every_(every),
      thread_([this](std::stop_token stop) { run(stop); }) {}

Checkpointer::~Checkpointer() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Checkpointer::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    wake_.wait_for(lock, stop, every_, [] { return false; });  // a timer that a stop ends
    checkpoint();
  }
}

void Checkpointer::checkpoint() {
  int log_frames = 0, copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           &log_frames, &copied);
  // SQLITE_BUSY: another checkpoint is running; the next turn tries again.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    spdlog::warn("SQLite database {}: checkpoint failed: {}", path_, sqlite3_errmsg(db_.get()));
  }
}

}  // namespace nw::sqlite
