#include "daemon/sqlite_checkpointer.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>

#include "tests/support/wait.h"

namespace nw::sqlite {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class CheckpointerTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("checkpointer_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    ASSERT_EQ(sqlite3_open(path_.c_str(), &writer_), SQLITE_OK);
    // The writer as the store sets it up: WAL, no automatic checkpoints.
    exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t(x BLOB)");
  }
  void TearDown() override {
    sqlite3_close(writer_);
    fs::remove_all(dir_);
  }
  void exec(const char* sql) {
    ASSERT_EQ(sqlite3_exec(writer_, sql, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(writer_);
  }
  // ~2 MB in 2,000 rows, one transaction.
  void write() {
    exec(
        "BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO t SELECT randomblob(1000) FROM n; COMMIT");
  }
  std::uintmax_t db_size() const { return fs::file_size(path_); }

  fs::path dir_;
  std::string path_;
  sqlite3* writer_ = nullptr;
};

TEST_F(CheckpointerTest, CopiesTheLogIntoTheDatabaseOffTheWritingThread) {
  write();
  // Nobody checkpointed: the rows are only in the log. (Nothing runs in the
  // background yet, so there is nothing to wait for: the commit returned.)
  EXPECT_LT(db_size(), 100'000u);
  EXPECT_GT(fs::file_size(path_ + "-wal"), 2'000'000u);
  auto c = Checkpointer::start(path_, 50ms);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(test::wait_for([&] { return db_size() > 2'000'000u; }, 10s)) << db_size();
  // It keeps at it: later writes follow, and stopping it is prompt.
  write();
  EXPECT_TRUE(test::wait_for([&] { return db_size() > 4'000'000u; }, 10s)) << db_size();
  const auto t0 = std::chrono::steady_clock::now();
  c->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST_F(CheckpointerTest, AFileThatCannotBeOpenedIsAnErrorNamingIt) {
  const std::string missing = (dir_ / "no" / "such.db").string();
  auto c = Checkpointer::start(missing, 1s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find(missing), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace nw::sqlite
