#include "config/glob.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace nw {
namespace {

namespace fs = std::filesystem;

class GlobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nw_glob_test_" + std::to_string(getpid()));
    fs::remove_all(root_);
    for (const char* f : {"a.toml", "b.toml", "ab.toml", "c.txt", ".hidden.toml", "sub/x.toml",
                          "sub/y.toml", "sub/deeper/z.toml", "other/x.toml", "dir.toml/inner"}) {
      fs::create_directories((root_ / f).parent_path());
      std::ofstream(root_ / f) << "name = \"x\"\n";
    }
  }
  void TearDown() override { fs::remove_all(root_); }

  // Matches relative to root_, as strings relative to root_.
  std::vector<std::string> glob(std::string_view pattern) {
    auto r = expand_glob(root_, pattern);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    std::vector<std::string> out;
    for (const fs::path& p : r.value_or(std::vector<fs::path>{})) {
      out.push_back(p.lexically_relative(root_).string());
    }
    return out;
  }

  fs::path root_;
};

struct GlobCase {
  std::string_view pattern;
  std::vector<std::string> want;
};

TEST_F(GlobTest, Table) {
  const GlobCase cases[] = {
      {"*.toml", {"a.toml", "ab.toml", "b.toml"}},  // no dot files, no directories
      {"?.toml", {"a.toml", "b.toml"}},
      {"a*.toml", {"a.toml", "ab.toml"}},
      {"[ab].toml", {"a.toml", "b.toml"}},
      {".*.toml", {".hidden.toml"}},
      {"*", {"a.toml", "ab.toml", "b.toml", "c.txt"}},
      {"sub/*.toml", {"sub/x.toml", "sub/y.toml"}},
      {"*/x.toml", {"other/x.toml", "sub/x.toml"}},
      {"*/*/*.toml", {"sub/deeper/z.toml"}},
      {"sub/x.toml", {"sub/x.toml"}},  // no wildcard: the file itself
      {"./sub/../a.toml", {"./sub/../a.toml"}},
      {"missing.toml", {}},
      {"nothing/*.toml", {}},
      {"*.json", {}},
      {"dir.toml", {}},  // a directory is not a watchlist
      {"", {}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(glob(c.pattern), c.want) << c.pattern;
  }
}

TEST_F(GlobTest, AbsolutePatternIgnoresBase) {
  auto r = expand_glob("/nonexistent-base", (root_ / "sub" / "*.toml").string());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, (std::vector<fs::path>{root_ / "sub/x.toml", root_ / "sub/y.toml"}));
}

TEST_F(GlobTest, RelativeBaseGivesRelativePaths) {
  const fs::path saved = fs::current_path();
  fs::current_path(root_);
  auto here = expand_glob("", "sub/*.toml");
  auto sub = expand_glob("sub", "*.toml");
  fs::current_path(saved);
  ASSERT_TRUE(here.has_value());
  EXPECT_EQ(*here, (std::vector<fs::path>{"sub/x.toml", "sub/y.toml"}));
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(*sub, (std::vector<fs::path>{"sub/x.toml", "sub/y.toml"}));
}

}  // namespace
}  // namespace nw
