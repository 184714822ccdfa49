#include "config/rule_checks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "filters/matcher.h"

namespace nw {
namespace {

namespace fs = std::filesystem;

const fs::path kMistakes = fs::path(NW_TEST_DATA) / "config" / "mistakes";

TEST(RuleWarnings, LowerCaseOperatorsArePointedAtInTheFile) {
  const std::string file = (kMistakes / "lower_case.toml").string();
  auto w = load_watchlist(file);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_TRUE(Matcher::compile(std::span(&*w, 1)));  // warnings, not errors
  const std::vector<std::string> want = {
      file +
          ":7:17: warning: 'and' is looked for as a word (operators are upper-case): did you "
          "mean AND? To look for the word, quote it: \"and\"\n    Haftar and Cairo\n           ^",
      file +
          ":16:6: warning: 'near/5' is looked for as a word (operators are upper-case): did you "
          "mean NEAR/5? To look for the word, quote it: \"near/5\"\n    حفتر near/5 القاهرة\n"
          "         ^"};
  EXPECT_EQ(rule_warnings(std::span(&*w, 1)), want);
}

// `languages` and `lang:` codes that the language detector does not know.
TEST(RuleWarnings, LanguagesTheDetectorCannotIdentify) {
  const std::string file = (kMistakes / "languages.toml").string();
  auto w = load_watchlist(file);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_TRUE(Matcher::compile(std::span(&*w, 1)));
  const std::string tail =
      "\", which newswatch cannot identify from an article's text: only pages that declare it "
      "match (codes are ISO 639-1 where there is one: ar, fa, ur, en)";
  const std::vector<std::string> want = {
      file + ":7:10: warning: rule 'arabic-three-letters' names the language \"ara" + tail,
      file + ":17:10: warning: rule 'klingon' names the language \"tlh" + tail};
  EXPECT_EQ(rule_warnings(std::span(&*w, 1)), want);
}

TEST(RuleWarnings, NoneForAWatchlistThatSaysWhatItMeans) {
  auto w = load_watchlist(fs::path(NW_TEST_DATA) / "e2e" / "libya.toml");
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_TRUE(rule_warnings(std::span(&*w, 1)).empty());
}

TEST(RuleWarnings, AnUnknownFieldIsAnErrorWithTheFields) {
  const std::string file = (kMistakes / "unknown_field.toml").string();
  auto w = load_watchlist(file);
  ASSERT_TRUE(w) << w.error().message;
  auto m = Matcher::compile(std::span(&*w, 1));
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().message,
            file +
                ":6:10: unknown field 'site:': did you mean source:? (fields: title body "
                "source lang; source: takes a source id of the config; to look for the text, "
                "quote it)\n    site:bbc.com AND Haftar\n    ^");
}

}  // namespace
}  // namespace nw
