#include "filters/matcher_proclitics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "filters/normalize.h"

namespace nw {
namespace {

bool has_stem(std::string_view token, std::string_view key) {
  const ProcliticStems stems(token);
  return std::find(stems.begin(), stems.end(), key) != stems.end();
}

// Keys of 1..6 letters drawn mostly from the letters proclitics are made of,
// so that keys starting with ال, ل, لل, و, ف, ب, ك (and mixes) are common.
std::vector<std::string> keys() {
  const std::vector<std::string> letters = {"ا", "ل", "و", "ف", "ب", "ك", "م", "ح", "ة", "ي"};
  std::vector<std::string> out = {"ال",   "الل",    "لل",  "ل",    "الله",   "اللجنة", "لجنة",
                                  "والد", "فلسطين", "بكر", "كتاب", "الكتاب", "لبنان",  "ليبيا"};
  std::mt19937 rng(7);
  for (int i = 0; i < 8000; ++i) {
    std::string k;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int j = 0; j < n; ++j) k += letters[rng() % letters.size()];
    out.push_back(std::move(k));
  }
  return out;
}

TEST(ProcliticStems, TakesProcliticsAsVariantsDo) {
  for (const std::string& k : keys())
    EXPECT_EQ(takes_proclitics(k), !proclitic_variants(k).empty()) << k;
  EXPECT_FALSE(takes_proclitics("word"));
  EXPECT_FALSE(takes_proclitics(""));
}

// Every variant of a key leads back to it...
TEST(ProcliticStems, EachVariantHasItsKeyAsAStem) {
  for (const std::string& k : keys()) {
    for (const std::string& v : proclitic_variants(k))
      EXPECT_TRUE(has_stem(v, k)) << v << " of " << k;
  }
}

// ...and a stem that takes proclitics is one the token is a variant of.
TEST(ProcliticStems, EachStemHasTheTokenAsAVariant) {
  std::vector<std::string> tokens = keys();
  for (const std::string& k : keys()) {
    for (std::string& v : proclitic_variants(k)) tokens.push_back(std::move(v));
  }
  for (const std::string& t : tokens) {
    for (std::string_view stem : ProcliticStems(t)) {
      if (!takes_proclitics(stem)) continue;
      const auto variants = proclitic_variants(stem);
      EXPECT_NE(std::find(variants.begin(), variants.end(), t), variants.end())
          << t << " is not a variant of " << stem;
    }
  }
}

TEST(ProcliticStems, Examples) {
  EXPECT_TRUE(has_stem("والكتاب", "كتاب"));
  EXPECT_TRUE(has_stem("والكتاب", "الكتاب"));
  EXPECT_TRUE(has_stem("للجنة", "لجنة"));
  EXPECT_TRUE(has_stem("للجنة", "اللجنة"));
  EXPECT_TRUE(has_stem("لله", "الله"));
  EXPECT_FALSE(has_stem("كتاب", "كتاب"));  // the word itself is not a variant
  EXPECT_EQ(ProcliticStems("word").size(), 0U);
}

}  // namespace
}  // namespace nw
