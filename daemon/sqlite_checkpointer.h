// Moves SQLite's WAL checkpoints off the writing thread. A checkpoint copies
// the write-ahead log into the database file and ends with an fdatasync.
// SQLite's automatic checkpoint runs inside whichever commit takes the log past
// 1,000 pages: with thousands of alerts a second (the load harness at 100,000
// rules) that kept the daemon's loop thread in disk waits a third of its time.
// A Checkpointer opens its own connection to the file and runs a PASSIVE
// checkpoint (never blocks the writer or readers) every `every`, and once more
// when it stops; the writer's connection turns its automatic checkpoints off.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/sqlite.h"
#include "feeds/error.h"

namespace nw::sqlite {

class Checkpointer {
 public:
  // Opens the connection here (an error is returned, not logged), then starts
  // the thread.
  [[nodiscard]] static Result<std::unique_ptr<Checkpointer>> start(const std::string& path,
                                                                   std::chrono::milliseconds every);
  ~Checkpointer();  // stops the thread, after one last checkpoint
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

 private:
  Checkpointer(DbHandle db, std::string path, std::chrono::milliseconds every);
  void run(std::stop_token stop);
  void checkpoint();

  DbHandle db_;
  std::string path_;
  std::chrono::milliseconds every_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: starts once the members above exist
};

}  // namespace nw::sqlite
