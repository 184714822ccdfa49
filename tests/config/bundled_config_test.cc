// The bundled config/newswatch.toml and its watchlists: they load, every query
// compiles, and the Libya watchlist fires on the real Arabic articles in
// tests/data/samples/arabic-news (and stays quiet where it should). Also the
// positions config/ gives queries, as the query parser reports them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "config/config.h"
#include "filters/matcher.h"
#include "tests/support/files.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

const fs::path kBundled = fs::path(NW_SOURCE_DIR) / "config" / "newswatch.toml";

std::set<std::string> rules_hit(const Matcher& m, std::string_view title, std::string_view body,
                                std::string_view source) {
  std::set<std::string> out;
  for (const Hit& h : m.match(Document{.title = title, .body = body, .source = source})) {
    out.insert(h.watchlist + "/" + h.rule);
  }
  return out;
}

class BundledConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = load_config(kBundled);
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message;
    cfg_ = std::move(*cfg);
    auto m = Matcher::compile(cfg_.watchlists);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    matcher_ = std::move(*m);
  }
  Config cfg_;
  std::shared_ptr<const Matcher> matcher_;
};

// Runs a shell command; its exit status and its stdout and stderr together.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  return {pclose(p), out};
}

// The comments tell users what to run: every `newswatch SUBCOMMAND` they name
// exists, and every flag of a `newswatchd ...` they name is one newswatchd has.
TEST(BundledConfigComments, NameCommandsThatExist) {
  std::string comments;  // the comment lines joined, so a command may wrap
  std::istringstream in(test::read_fixture_file(kBundled));
  for (std::string line; std::getline(in, line);) {
    if (const auto hash = line.find('#'); hash != std::string::npos) {
      comments += line.substr(hash + 1) + " ";
    }
  }
  int checked = 0;
  for (std::size_t open = comments.find('`'); open != std::string::npos;) {
    const std::size_t close = comments.find('`', open + 1);
    ASSERT_NE(close, std::string::npos) << "unbalanced ` in the comments";
    std::istringstream words(comments.substr(open + 1, close - open - 1));
    open = comments.find('`', close + 1);
    std::string program;
    words >> program;
    const std::string bin = std::string(NW_BUILD_DIR) + "/" + program;
    if (program == "newswatch") {
      std::string sub;
      words >> sub;
      const auto [status, out] = run(bin + " " + sub + " --help");
      EXPECT_EQ(status, 0) << "`newswatch " << sub << "` in the comments:\n" << out;
      ++checked;
    } else if (program == "newswatchd") {
      const std::string help = run(bin + " --help").second;
      for (std::string word; words >> word;) {
        if (word.starts_with("--")) {
          EXPECT_NE(help.find(word), std::string::npos) << "newswatchd has no " << word;
        }
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 1);
}

TEST_F(BundledConfigTest, EveryRuleCompiles) {
  std::size_t rules = 0;
  for (const Watchlist& w : cfg_.watchlists) rules += w.rules.size();
  EXPECT_EQ(matcher_->rule_count(), rules);
  EXPECT_GE(rules, 8u);
}

struct SampleCase {
  std::string_view file;  // under tests/data/samples/arabic-news/
  std::vector<std::string> must_hit;
  std::vector<std::string> must_not_hit;
};

TEST_F(BundledConfigTest, LibyaWatchlistOnRealArticles) {
  const SampleCase cases[] = {
      // Haftar meets the Egyptian president; no mention of Cairo.
      {"000_2f2f26cc72d594b8.txt",
       {"libya/sisi-haftar", "libya/gna"},
       {"libya/haftar-cairo", "libya/turkish-mercenaries", "libya/haftar-cairo-en"}},
      // Haftar expected in Cairo; asks Egypt to stop Turkey sending mercenaries.
      {"001_a70efb1e516236b5.txt",
       {"libya/haftar-cairo", "libya/sisi-haftar", "libya/turkish-mercenaries",
        "libya/tripoli-fighting"},
       {"libya/haftar-cairo-en", "libya/gna"}},
      // Haftar arrives in Cairo.
      {"003_1c09f43d1289937b.txt", {"libya/haftar-cairo", "libya/gna"}, {"libya/haftar-cairo-en"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string text = test::read_arabic_sample(c.file);
    ASSERT_FALSE(text.empty());
    const std::set<std::string> hits = rules_hit(*matcher_, "", text, "bbc-arabic");
    for (const std::string& r : c.must_hit) EXPECT_TRUE(hits.contains(r)) << r;
    for (const std::string& r : c.must_not_hit) EXPECT_FALSE(hits.contains(r)) << r;
  }
}

TEST_F(BundledConfigTest, EnglishRules) {
  EXPECT_EQ(rules_hit(*matcher_, "Libya's Haftar flies to Cairo for talks with Sisi",
                      "Khalifa Haftar arrived in Cairo on Wednesday.", "bbc-world"),
            (std::set<std::string>{"libya/haftar-cairo-en"}));
  EXPECT_EQ(rules_hit(*matcher_, "Turkey denies sending Syrian mercenaries to Libya",
                      "The Government of National Accord in Tripoli rejected the report.",
                      "libya-herald"),
            (std::set<std::string>{"libya/turkish-mercenaries-en", "libya/gna"}));
  EXPECT_TRUE(
      rules_hit(*matcher_, "Floods in Cairo", "Heavy rain hit the Egyptian capital.", "bbc-world")
          .empty());
}

// config/ and the query parser together: the position of a bad token in an
// Arabic query, reported from query_pos, is where the token stands in the file.
TEST(ConfigAndMatcher, BadArabicQueryIsReportedAtItsColumnInTheFile) {
  const fs::path dir = fs::temp_directory_path() / ("nw_bundled_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "w.toml";
  std::ofstream(file) << "name = \"w\"\n"
                         "[[rule]]\n"
                         "id = \"bad\"\n"
                         "query = '''حفتر AND (القاهرة OR'''\n";
  auto w = load_watchlist(file);
  ASSERT_TRUE(w.has_value()) << w.error().message;
  auto m = Matcher::compile(std::span(&*w, 1));
  fs::remove_all(dir);
  ASSERT_FALSE(m.has_value());
  // query = '''حفتر AND (القاهرة OR''': the text starts at column 12 and "OR"
  // is 18 code points into it.
  EXPECT_TRUE(m.error().message.starts_with(file.string() + ":4:30: ")) << m.error().message;
}

}  // namespace
}  // namespace nw
