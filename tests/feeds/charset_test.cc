#include "feeds/charset.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/files.h"

namespace nw {
namespace {

std::string data(const std::string& name) {
  return test::read_fixture_file(std::string(NW_TEST_DATA) + "/feeds/" + name);
}
std::string sample(const std::string& name) { return test::read_arabic_sample(name); }

// UTF-16/32 bytes from string literals, so the tests do not lean on ICU to
// produce what ICU then decodes.
std::string utf16(std::u16string_view s, bool big_endian) {
  std::string out;
  for (char16_t c : s) {
    const char hi = static_cast<char>(c >> 8), lo = static_cast<char>(c & 0xFF);
    out += big_endian ? std::string{hi, lo} : std::string{lo, hi};
  }
  return out;
}

std::string utf32le(std::u32string_view s) {
  std::string out;
  for (char32_t c : s) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((c >> (8 * i)) & 0xFF));
  }
  return out;
}

constexpr std::string_view kArabic = "حفتر في القاهرة";

// ---- the Arabic legacy charsets, from real text ----------------------------

struct SampleCase {
  const char* legacy_file;  // tests/data/feeds/, made with glibc iconv
  const char* utf8_file;    // the original in tests/data/samples/arabic-news/
  const char* content_type;
  DocType type;
  const char* want_encoding;
};

class LegacyArabicTest : public testing::TestWithParam<SampleCase> {};

TEST_P(LegacyArabicTest, DecodesToTheOriginalText) {
  const SampleCase& c = GetParam();
  const Decoded d = decode_to_utf8(data(c.legacy_file), c.content_type, c.type);
  EXPECT_EQ(d.encoding, c.want_encoding);
  EXPECT_EQ(d.text, sample(c.utf8_file)) << "decoded as " << d.encoding;
}

INSTANTIATE_TEST_SUITE_P(
    Samples, LegacyArabicTest,
    testing::Values(
        // Undeclared: ICU's detector must tell the two Arabic charsets apart.
        SampleCase{"sample000.windows-1256.txt", "000_2f2f26cc72d594b8.txt", "", DocType::kText,
                   "windows-1256"},
        SampleCase{"sample001.windows-1256.txt", "001_a70efb1e516236b5.txt", "", DocType::kText,
                   "windows-1256"},
        SampleCase{"sample000.iso-8859-6.txt", "000_2f2f26cc72d594b8.txt", "", DocType::kText,
                   "iso-8859-6"},
        // Declared by HTTP, in the label spellings servers use.
        SampleCase{"sample000.windows-1256.txt", "000_2f2f26cc72d594b8.txt",
                   "text/plain; charset=CP1256", DocType::kText, "windows-1256"},
        SampleCase{"sample000.iso-8859-6.txt", "000_2f2f26cc72d594b8.txt",
                   "text/html; charset=\"ISO_8859-6\"", DocType::kHtml, "iso-8859-6"},
        SampleCase{"sample000.iso-8859-6.txt", "000_2f2f26cc72d594b8.txt",
                   "text/plain;charset=arabic", DocType::kText, "iso-8859-6"},
        // Declared UTF-8 over windows-1256 bytes: detection, not garbage.
        SampleCase{"sample001.windows-1256.txt", "001_a70efb1e516236b5.txt",
                   "text/plain; charset=utf-8", DocType::kText, "windows-1256"}));

// ---- undeclared legacy text: Thai, which ICU's detector does not know --------

struct LegacyCase {
  const char* file;  // tests/data/feeds/legacy/<language>.<charset>.txt
  const char* utf8_file;
  const char* want_encoding;
};

class UndeclaredLegacyTest : public testing::TestWithParam<LegacyCase> {};

// Thai in TIS-620 is read as windows-874 (ICU alone calls it euc-kr); the
// Thai spelling check does not take Korean, Russian or Hebrew for Thai.
TEST_P(UndeclaredLegacyTest, DecodesToTheOriginalText) {
  const LegacyCase& c = GetParam();
  const Decoded d = decode_to_utf8(data(std::string("legacy/") + c.file), "", DocType::kText);
  EXPECT_EQ(d.encoding, c.want_encoding);
  EXPECT_EQ(d.text, data(std::string("legacy/") + c.utf8_file)) << "decoded as " << d.encoding;
}

INSTANTIATE_TEST_SUITE_P(
    Samples, UndeclaredLegacyTest,
    testing::Values(LegacyCase{"thai.windows-874.txt", "thai.utf-8.txt", "windows-874"},
                    LegacyCase{"korean.euc-kr.txt", "korean.utf-8.txt", "euc-kr"},
                    LegacyCase{"russian.windows-1251.txt", "russian.utf-8.txt", "windows-1251"},
                    LegacyCase{"hebrew.windows-1255.txt", "hebrew.utf-8.txt", "windows-1255"}));

// Thai cut to a few words is not enough to tell; neither is Latin-1 text whose
// accented letters fall on Thai codes.
TEST(Charset, ThaiNeedsEnoughTextThatSpellsLikeThai) {
  const std::string thai = data("legacy/thai.windows-874.txt");
  EXPECT_NE(decode_to_utf8(thai.substr(0, 12), "", DocType::kText).encoding, "windows-874");
  const std::string latin1 = "Caf\xE9 cr\xE8me, d\xE9j\xE0 vu: l'\xE9t\xE9 \xE0 P\xE9rouse.";
  EXPECT_NE(decode_to_utf8(latin1, "", DocType::kText).encoding, "windows-874");
}

// ---- order of the sources of truth ------------------------------------------

struct OrderCase {
  const char* name;
  std::string bytes;
  const char* content_type;
  DocType type;
  const char* want_encoding;
  std::string want_text;
};

class OrderTest : public testing::TestWithParam<OrderCase> {};

TEST_P(OrderTest, PicksTheRightSource) {
  const OrderCase& c = GetParam();
  const Decoded d = decode_to_utf8(c.bytes, c.content_type, c.type);
  EXPECT_EQ(d.encoding, c.want_encoding);
  EXPECT_EQ(d.text, c.want_text);
}

const std::string kCp1256Word = "\xCD\xDD\xCA\xD1";  // "حفتر" in windows-1256
const std::string kHaftar = "حفتر";

INSTANTIATE_TEST_SUITE_P(
    Cases, OrderTest,
    testing::Values(
        OrderCase{"utf8_bom_stripped", "\xEF\xBB\xBF" + std::string(kArabic), "", DocType::kText,
                  "utf-8", std::string(kArabic)},
        OrderCase{"bom_beats_content_type", "\xEF\xBB\xBF" + kHaftar,
                  "text/xml; charset=windows-1256", DocType::kXml, "utf-8", kHaftar},
        OrderCase{"utf16le_bom", "\xFF\xFE" + utf16(u"<a>حفتر</a>", false), "", DocType::kXml,
                  "utf-16le", "<a>حفتر</a>"},
        OrderCase{"utf16be_bom", "\xFE\xFF" + utf16(u"حفتر", true), "", DocType::kText, "utf-16be",
                  kHaftar},
        OrderCase{"utf32le_bom", std::string("\xFF\xFE\0\0", 4) + utf32le(U"ليبيا 🇱🇾"), "",
                  DocType::kText, "utf-32le", "ليبيا 🇱🇾"},
        OrderCase{"xml_utf16_without_bom", utf16(u"<?xml version=\"1.0\"?><a>ب</a>", false), "",
                  DocType::kXml, "utf-16le", "<?xml version=\"1.0\"?><a>ب</a>"},
        OrderCase{"content_type_beats_xml_declaration",
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>" + kCp1256Word + "</t>",
                  "application/rss+xml; charset=windows-1256", DocType::kXml, "windows-1256",
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?><t>" + kHaftar + "</t>"},
        OrderCase{"xml_declaration",
                  "<?xml version='1.0' encoding='WINDOWS-1256' ?><t>" + kCp1256Word + "</t>",
                  "application/xml", DocType::kXml, "windows-1256",
                  "<?xml version='1.0' encoding='WINDOWS-1256' ?><t>" + kHaftar + "</t>"},
        OrderCase{"unknown_label_falls_through",
                  "<?xml version=\"1.0\" encoding=\"windows-1256\"?><t>" + kCp1256Word + "</t>",
                  "text/xml; charset=x-no-such-charset", DocType::kXml, "windows-1256",
                  "<?xml version=\"1.0\" encoding=\"windows-1256\"?><t>" + kHaftar + "</t>"},
        OrderCase{"html_meta_charset",
                  "<html><head><meta charset=\"windows-1256\"></head>" + kCp1256Word, "text/html",
                  DocType::kHtml, "windows-1256",
                  "<html><head><meta charset=\"windows-1256\"></head>" + kHaftar},
        OrderCase{"html_meta_http_equiv",
                  "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; "
                  "charset=iso-8859-6\"></HEAD>\xD8\xC9",
                  "", DocType::kHtml, "iso-8859-6",
                  "<HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; "
                  "charset=iso-8859-6\"></HEAD>ظة"},
        OrderCase{"html_ignores_meta_for_xml", "<meta charset=\"windows-1256\">abc", "",
                  DocType::kXml, "utf-8", "<meta charset=\"windows-1256\">abc"},
        // ISO-8859-1 and US-ASCII keep their names but decode as windows-1252.
        OrderCase{"latin1_decodes_as_windows_1252", "\x93quoted\x94 caf\xE9",
                  "text/html; charset=ISO-8859-1", DocType::kHtml, "iso-8859-1", "“quoted” café"},
        // A server default label over a UTF-8 Arabic feed must not garble it.
        OrderCase{"valid_utf8_beats_a_legacy_label", "<t>" + kHaftar + "</t>",
                  "text/xml; charset=ISO-8859-1", DocType::kXml, "utf-8", "<t>" + kHaftar + "</t>"},
        OrderCase{"ascii_keeps_the_declared_label", "<t>abc</t>", "text/xml; charset=windows-1256",
                  DocType::kXml, "windows-1256", "<t>abc</t>"},
        OrderCase{"truncated_last_character", "<t>" + kHaftar + "\xD8", "", DocType::kXml, "utf-8",
                  "<t>" + kHaftar + "\xEF\xBF\xBD"},
        OrderCase{"us_ascii_decodes_as_windows_1252", "caf\xE9", "text/plain; charset=us-ascii",
                  DocType::kText, "us-ascii", "café"},
        OrderCase{"utf8_label_alias", kHaftar, "text/plain; charset=utf8", DocType::kText, "utf-8",
                  kHaftar},
        OrderCase{"utf16_declared_in_ascii_document_is_a_lie",
                  "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>" + kHaftar + "</t>", "",
                  DocType::kXml, "utf-8",
                  "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>" + kHaftar + "</t>"},
        OrderCase{"undeclared_valid_utf8", std::string(kArabic), "", DocType::kXml, "utf-8",
                  std::string(kArabic)},
        OrderCase{"empty", "", "", DocType::kXml, "utf-8", ""},
        // Undefined bytes in a declared charset become U+FFFD, never an error.
        OrderCase{"iso_8859_6_undefined_byte",
                  "a\xA1"
                  "b",
                  "text/plain; charset=iso-8859-6", DocType::kText, "iso-8859-6",
                  "a\xEF\xBF\xBD"
                  "b"},
        // One stray byte in otherwise Arabic UTF-8: still UTF-8.
        OrderCase{"mostly_utf8_with_stray_byte",
                  std::string(kArabic) + "\xFF" + std::string(kArabic), "text/plain; charset=utf-8",
                  DocType::kText, "utf-8",
                  std::string(kArabic) + "\xEF\xBF\xBD" + std::string(kArabic)}),
    [](const testing::TestParamInfo<OrderCase>& i) { return std::string(i.param.name); });

// ---- validation details -----------------------------------------------------

TEST(Charset, RejectsOverlongsAndSurrogatesAsUtf8) {
  // An overlong '/', a UTF-8-encoded surrogate, and a code point past U+10FFFF,
  // each amid plenty of valid Arabic so UTF-8 stays the verdict.
  const std::string arabic(kArabic);
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    const Decoded d =
        decode_to_utf8(arabic + bad + arabic, "text/plain; charset=utf-8", DocType::kText);
    EXPECT_EQ(d.encoding, "utf-8");
    EXPECT_EQ(d.text.find(bad), std::string::npos) << "kept invalid bytes";
    EXPECT_NE(d.text.find("\xEF\xBF\xBD"), std::string::npos);
  }
}

TEST(Charset, LargeValidUtf8IsCopiedQuickly) {
  std::string big;
  const std::string para = sample("000_2f2f26cc72d594b8.txt");
  while (big.size() < 5 * 1024 * 1024) big += para;
  const auto start = std::chrono::steady_clock::now();
  const Decoded d = decode_to_utf8(big, "application/rss+xml; charset=UTF-8", DocType::kXml);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(d.encoding, "utf-8");
  EXPECT_EQ(d.text.size(), big.size());
  EXPECT_TRUE(d.text == big);
  // A validation pass and one copy; generous for sanitizer builds.
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 500);
}

TEST(Charset, LargeWindows1256IsDetectedAndConverted) {
  const std::string legacy = data("sample000.windows-1256.txt");
  const std::string utf8 = sample("000_2f2f26cc72d594b8.txt");
  std::string big, want;
  while (big.size() < 5 * 1024 * 1024) {
    big += legacy;
    want += utf8;
  }
  const Decoded d = decode_to_utf8(big, "", DocType::kText);
  EXPECT_EQ(d.encoding, "windows-1256");
  EXPECT_TRUE(d.text == want);
}

}  // namespace
}  // namespace nw
