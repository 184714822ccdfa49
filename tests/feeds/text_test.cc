#include "feeds/text.h"

#include <gtest/gtest.h>

namespace nw {
namespace {

TEST(Text, IsSpaceIsTheCLocalesSet) {
  for (int c = 0; c < 256; ++c) {
    const bool want = c == ' ' || (c >= '\t' && c <= '\r');
    EXPECT_EQ(is_space(static_cast<char>(c)), want) << c;
  }
}

TEST(Text, LowerAsciiLeavesUtf8Alone) {
  EXPECT_EQ(lower_ascii("Content-TYPE: Text/HTML"), "content-type: text/html");
  EXPECT_EQ(lower_ascii("ÉTAT حفتر Z"), "État حفتر z");
  EXPECT_EQ(lower_ascii(""), "");
}

TEST(Text, Iequals) {
  EXPECT_TRUE(iequals("ETag", "etag"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("ETag", "etags"));
  EXPECT_FALSE(iequals("É", "é"));  // ASCII only
}

TEST(Text, TrimDropsIsSpaceAtBothEnds) {
  EXPECT_EQ(trim(" \t\r\n\f\va b\v\f\n\r\t "), "a b");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim("\u00a0x\u00a0"), "\u00a0x\u00a0");  // NBSP is text here
}

struct CollapseCase {
  const char* in;
  const char* want;
};
class CollapseTest : public testing::TestWithParam<CollapseCase> {};
TEST_P(CollapseTest, Collapses) { EXPECT_EQ(collapse_whitespace(GetParam().in), GetParam().want); }
INSTANTIATE_TEST_SUITE_P(
    Cases, CollapseTest,
    testing::Values(CollapseCase{"  a  b\n\tc ", "a b c"}, CollapseCase{"", ""},
                    CollapseCase{" \n ", ""}, CollapseCase{"a\f\vb", "a b"},
                    CollapseCase{"a\u00a0\u00a0b", "a b"},
                    CollapseCase{"\u062d\u202f\u0641", "\u062d \u0641"},
                    CollapseCase{"x\u2003y", "x y"}, CollapseCase{"x\u2028y\u2029z", "x y z"},
                    CollapseCase{"\u200b", "\u200b"},  // zero width: not a space
                    CollapseCase{"a\xC2", "a\xC2"},    // cut short: kept
                    CollapseCase{"\xE2\x80", "\xE2\x80"}));

// Stable forever: stored item keys and published alert ids are made of it, so
// these values, computed with the algorithm's definition, must never change.
TEST(Fnv1a64, StableValuesAndSeparatedParts) {
  EXPECT_EQ(fnv1a64_hex({"libya", "haftar-cairo", "https://alrasifa.example/a"}),
            "e262d40f48763fd9");
  EXPECT_EQ(fnv1a64_hex({"حفتر يصل", "ملخص"}), "a1aa548998f71f67");
  EXPECT_NE(fnv1a64({"ab", "c"}), fnv1a64({"a", "bc"}));
  EXPECT_EQ(fnv1a64_hex({"x"}).size(), 16u);
}

}  // namespace

}  // namespace nw
