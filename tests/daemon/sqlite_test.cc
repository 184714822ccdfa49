// The store's SQLite wrappers (daemon/sqlite.h) on a real database file: rows
// read by column name whatever the order of the SELECT list, a name the
// statement lacks or a failing step is an error naming it, and for_each_row
// visits every row and stops at its callback's error.
#include "daemon/sqlite.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace nw::sqlite {
namespace {

namespace fs = std::filesystem;

struct Entry {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::chrono::sys_seconds> seen;
  std::string body;
  bool operator==(const Entry&) const = default;
};

Entry entry_of(const Row& r) {
  return {.id = r.integer("id"),
          .name = r.text("name"),
          .seen = r.time("seen"),
          .body = std::string(r.blob("body"))};
}

class SqliteTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("nw_sqlite_test_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string path = (dir_ / "t.db").string();
    sqlite3* raw = nullptr;
    ASSERT_EQ(
        sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
        SQLITE_OK);
    db_.emplace(DbHandle(raw), path);
    ASSERT_TRUE(
        db_->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                  "seen INTEGER, body BLOB);"
                  "INSERT INTO t VALUES (1, 'حفتر', 1591175850, x'00ff'), "
                  "(2, 'cairo', NULL, NULL), (3, 'tripoli', 0, x'');",
                  "create the table"));
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  Statement prepare(const char* sql) {
    auto s = db_->prepare(sql);
    EXPECT_TRUE(s.has_value()) << s.error().message;
    return s ? std::move(*s) : Statement();
  }
  Result<std::vector<Entry>> entries(const Statement& s) {
    auto u = s.use();
    std::vector<Entry> out;
    auto r = db_->for_each_row(u, "read t", [&](const Row& row) { out.push_back(entry_of(row)); });
    if (!r) return std::unexpected(r.error());
    return out;
  }

  fs::path dir_;
  std::optional<Db> db_;
};

TEST_F(SqliteTest, ColumnsAreReadByNameWhateverTheirOrderInTheSelect) {
  const std::vector<Entry> expected = {
      {1, "حفتر", from_unix(1591175850), std::string("\0\xff", 2)},
      {2, "cairo", std::nullopt, ""},
      {3, "tripoli", from_unix(0), ""},
  };
  for (const char* sql : {"SELECT id, name, seen, body FROM t ORDER BY id",
                          "SELECT body, seen, name, id FROM t ORDER BY id",
                          "SELECT seen AS seen, id, body, name FROM t ORDER BY id"}) {
    auto got = entries(prepare(sql));
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(*got, expected) << sql;
  }
}

TEST_F(SqliteTest, AColumnTheStatementLacksIsAnErrorNamingItAndTheStatement) {
  // "name" renamed in the SQL but not in the reader, and an expression with
  // no AS name: neither reads as some other column.
  for (const char* sql : {"SELECT id, name AS title, seen, body FROM t",
                          "SELECT id, upper(name), seen, body FROM t"}) {
    auto got = entries(prepare(sql));
    ASSERT_FALSE(got.has_value()) << sql;
    EXPECT_EQ(got.error().code, Errc::kInternal);
    EXPECT_NE(got.error().message.find("cannot read t: the statement has no column 'name'"),
              std::string::npos)
        << got.error().message;
    EXPECT_NE(got.error().message.find(sql), std::string::npos) << got.error().message;
  }
  // read_row too, and the statement is usable again afterwards.
  const Statement s = prepare("SELECT id FROM t WHERE id = ?1");
  for (const char* column : {"nope", "id"}) {
    auto u = s.use();
    u.integer(1, 2);
    std::int64_t id = -1;
    auto found = db_->read_row(u, "read one", [&](const Row& r) { id = r.integer(column); });
    if (std::string_view(column) == "nope") {
      ASSERT_FALSE(found.has_value());
      EXPECT_NE(found.error().message.find("no column 'nope'"), std::string::npos);
      EXPECT_EQ(id, 0);  // an absent column reads as 0, never as another's value
    } else {
      ASSERT_TRUE(found.has_value()) << found.error().message;
      EXPECT_TRUE(*found);
      EXPECT_EQ(id, 2);
    }
  }
}

TEST_F(SqliteTest, ReadRowAndHasRowSayWhetherThereWasARow) {
  const Statement s = prepare("SELECT name FROM t WHERE id = ?1");
  for (auto [id, expected] : {std::pair{1, "حفتر"}, std::pair{9, ""}}) {
    auto u = s.use();
    u.integer(1, id);
    std::string name;
    auto found = db_->read_row(u, "read a name", [&](const Row& r) { name = r.text("name"); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, id == 1);
    EXPECT_EQ(name, expected);
  }
  auto u = s.use();
  u.integer(1, 3);
  auto has = db_->has_row(u, "look for a name");
  ASSERT_TRUE(has.has_value());
  EXPECT_TRUE(*has);
}

TEST_F(SqliteTest, ForEachRowStopsAtTheCallbacksErrorAndReturnsIt) {
  const Statement s = prepare("SELECT id FROM t ORDER BY id");
  std::vector<std::int64_t> seen;
  {
    auto u = s.use();
    auto r = db_->for_each_row(u, "read ids", [&](const Row& row) -> Result<void> {
      seen.push_back(row.integer("id"));
      if (seen.size() == 2) return fail(Errc::kParse, "stop at two");
      return {};
    });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kParse);
    EXPECT_EQ(r.error().message, "stop at two");
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
  // Reset by the Use guard: the next use starts at the first row again.
  auto u = s.use();
  seen.clear();
  ASSERT_TRUE(
      db_->for_each_row(u, "read ids", [&](const Row& r) { seen.push_back(r.integer("id")); }));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(SqliteTest, AStepThatFailsIsAnIoErrorNamingTheFileAndWhat) {
  // abs() of the smallest integer overflows when the row is computed.
  const Statement s = prepare("SELECT abs(id - 9223372036854775807 - 2) AS n FROM t");
  auto u = s.use();
  int rows = 0;
  auto r = db_->for_each_row(u, "read sums", [&](const Row&) { ++rows; });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_EQ(r.error().message.rfind(
                "SQLite database " + (dir_ / "t.db").string() + ": cannot read sums: ", 0),
            0u)
      << r.error().message;
  EXPECT_EQ(rows, 0);
}

TEST_F(SqliteTest, PrepareAllStopsAtTheFirstBadStatementNamingIt) {
  Statement a, b;
  auto r = db_->prepare_all({{&a, "SELECT id FROM t"}, {&b, "SELECT id FROM no_such_table"}});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("no_such_table"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace nw::sqlite
