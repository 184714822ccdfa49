#include "daemon/alert.h"

#include <gtest/gtest.h>

#include <cctype>

#include "tests/support/files.h"

namespace nw {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

std::string read_fixture(const std::string& name) {
  std::string s = test::read_fixture_file(test::fixture_path("daemon") / name);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

sys_seconds at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return sys_days{std::chrono::year{y} / m / d} + std::chrono::hours{hh} +
         std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

// The alert of tests/data/daemon/alert_full.json (text from a real Arabic article).
Alert full_alert() {
  Alert a;
  a.seq = 42;
  a.watchlist = "libya";
  a.rule = "haftar-cairo";
  a.source = "alrasifa";
  a.url = "https://alrasifa.example/news/2020/06/03/haftar";
  a.title = "بالتزامن مع حراك مصري واسع… حفتر يطلب تشكيل لوبي عربي يتصدى لأطماع تركيا في ليبيا";
  a.published = at(2020, 6, 3, 9, 15, 0);
  a.fetched = at(2020, 6, 3, 9, 17, 30);
  a.matched = {"حفتر", "للقاهرة"};
  a.snippet =
      "زيارة حفتر للقاهرة تأتي في وقت يواصل فيه الجيش الليبي تقدمه نحو قلب العاصمة الليبية طرابلس";
  a.severity = "high";
  a.language = "ar";
  a.language_from = "text";
  a.tags = {"libya", "egypt"};
  a.story = "9b1c0e5d2a7f4c31";
  a.story_size = 2;
  return a;
}

Alert minimal_alert() {
  Alert a;
  a.seq = 7;
  a.watchlist = "libya";
  a.rule = "haftar";
  a.source = "bbc-ar";
  a.url = "https://www.bbc.com/arabic/x";
  a.title = "Haftar in Cairo";
  a.fetched = sys_seconds{};
  a.matched = {"Haftar"};
  a.snippet = "Haftar \"arrived\"\nin Cairo\\today";
  return a;
}

void expect_same(const Alert& got, const Alert& want) {
  EXPECT_EQ(got.seq, want.seq);
  EXPECT_EQ(got.watchlist, want.watchlist);
  EXPECT_EQ(got.rule, want.rule);
  EXPECT_EQ(got.source, want.source);
  EXPECT_EQ(got.url, want.url);
  EXPECT_EQ(got.title, want.title);
  EXPECT_EQ(got.published, want.published);
  EXPECT_EQ(got.fetched, want.fetched);
  EXPECT_EQ(got.matched, want.matched);
  EXPECT_EQ(got.snippet, want.snippet);
  EXPECT_EQ(got.severity, want.severity);
  EXPECT_EQ(got.language, want.language);
  EXPECT_EQ(got.language_from, want.language_from);
  EXPECT_EQ(got.tags, want.tags);
  EXPECT_EQ(got.story, want.story);
  EXPECT_EQ(got.story_size, want.story_size);
  EXPECT_EQ(got.suppressed, want.suppressed);
}

struct UtcCase {
  sys_seconds t;
  const char* want;
};

class FormatUtcTest : public testing::TestWithParam<UtcCase> {};

TEST_P(FormatUtcTest, Formats) { EXPECT_EQ(format_utc(GetParam().t), GetParam().want); }

INSTANTIATE_TEST_SUITE_P(
    Cases, FormatUtcTest,
    testing::Values(UtcCase{sys_seconds{}, "1970-01-01T00:00:00Z"},
                    UtcCase{at(2020, 6, 3, 9, 15, 0), "2020-06-03T09:15:00Z"},
                    UtcCase{at(2024, 2, 29, 23, 59, 59), "2024-02-29T23:59:59Z"},
                    UtcCase{sys_seconds{1591175700s}, "2020-06-03T09:15:00Z"},
                    UtcCase{sys_seconds{-1s}, "1969-12-31T23:59:59Z"},
                    UtcCase{at(9999, 12, 31, 23, 59, 59), "9999-12-31T23:59:59Z"}));

TEST(AlertJson, FullAlertMatchesWireContract) {
  EXPECT_EQ(to_json(full_alert()), read_fixture("alert_full.json"));
}

TEST(AlertJson, NullPublishedNoSeverityNoTagsAndEscapes) {
  const std::string json = to_json(minimal_alert());
  EXPECT_EQ(json, read_fixture("alert_minimal.json"));
  EXPECT_EQ(json.find("severity"), std::string::npos);
  EXPECT_EQ(json.find("language"), std::string::npos);
  EXPECT_EQ(json.find("tags"), std::string::npos);
  EXPECT_EQ(json.find("story"), std::string::npos);
  EXPECT_EQ(json.find("suppressed"), std::string::npos);
}

TEST(AlertJson, StoryFieldsAndSuppressedRoundTrip) {
  Alert a = minimal_alert();
  a.story = "0123456789abcdef";
  a.story_size = 3;
  a.suppressed = true;
  const std::string json = to_json(a);
  EXPECT_NE(json.find(R"("story":"0123456789abcdef","story_size":3,"suppressed":true})"),
            std::string::npos)
      << json;
  auto back = alert_from_json(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  expect_same(*back, a);
}

TEST(AlertJson, KeepsUtf8Unescaped) {
  const std::string json = to_json(full_alert());
  EXPECT_NE(json.find("\"matched\":[\"حفتر\",\"للقاهرة\"]"), std::string::npos);
  EXPECT_EQ(json.find("\\u"), std::string::npos);
}

TEST(AlertJson, InvalidUtf8IsReplacedNotThrown) {
  Alert a = minimal_alert();
  a.title = "bad \xff\xfe bytes";
  a.snippet = "cut in the middle of حفتر: \xd8";  // a lone lead byte of a 2-byte sequence
  a.matched = {"\xc3\x28"};
  std::string json;
  ASSERT_NO_THROW(json = to_json(a));
  auto back = alert_from_json(json);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->title, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes");
  EXPECT_EQ(back->snippet, "cut in the middle of حفتر: \xEF\xBF\xBD");
  ASSERT_EQ(back->matched.size(), 1u);
  EXPECT_EQ(back->matched[0], "\xEF\xBF\xBD(");
}

TEST(AlertJson, RoundTrips) {
  for (const Alert& a : {full_alert(), minimal_alert()}) {
    auto back = alert_from_json(to_json(a));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    expect_same(*back, a);
  }
}

TEST(AlertJson, ReadsGoldenFiles) {
  auto full = alert_from_json(read_fixture("alert_full.json"));
  ASSERT_TRUE(full.has_value()) << full.error().message;
  expect_same(*full, full_alert());
  EXPECT_EQ(full->topic(), "libya/haftar-cairo");
}

TEST(AlertJson, IgnoresUnknownKeys) {
  std::string json = read_fixture("alert_minimal.json");
  json.insert(1, R"("future":{"x":[1,2]},)");
  auto a = alert_from_json(json);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  expect_same(*a, minimal_alert());
}

struct BadCase {
  const char* name;
  std::string json;
  const char* message_part;
};

// Replaces `from` (which must occur) in the minimal fixture.
std::string minimal_with(const std::string& from, const std::string& to) {
  std::string s = read_fixture("alert_minimal.json");
  auto pos = s.find(from);
  if (pos == std::string::npos) return "fixture lacks " + from;
  return s.replace(pos, from.size(), to);
}

class BadAlertJsonTest : public testing::TestWithParam<BadCase> {};

TEST_P(BadAlertJsonTest, FailsWithParseError) {
  const auto& c = GetParam();
  auto r = alert_from_json(c.json);
  ASSERT_FALSE(r.has_value()) << c.name;
  EXPECT_EQ(r.error().code, Errc::kParse) << c.name;
  EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
      << c.name << ": " << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadAlertJsonTest,
    testing::Values(
        BadCase{"empty", "", "parse error"},
        BadCase{"truncated", R"({"v":1,"seq":)", "parse error"},
        // Found by fuzz_alert: nlohmann throws out_of_range, not parse_error, here.
        BadCase{"number overflow", "5e51510", "invalid alert JSON"},
        BadCase{"invalid utf8", "{\"v\":1,\"title\":\"\xff\"}", "parse error"},
        BadCase{"array", "[1,2]", "not an object"},
        BadCase{"no version", minimal_with(R"("v":1,)", ""), "missing \"v\""},
        BadCase{"version 2", minimal_with(R"("v":1)", R"("v":2)"), "unsupported version 2"},
        BadCase{"negative seq", minimal_with(R"("seq":7)", R"("seq":-7)"), "\"seq\""},
        BadCase{"string seq", minimal_with(R"("seq":7)", R"("seq":"7")"), "\"seq\""},
        BadCase{"no rule", minimal_with(R"("rule":"haftar",)", ""), "missing \"rule\""},
        BadCase{"empty watchlist", minimal_with(R"("watchlist":"libya")", R"("watchlist":"")"),
                "must not be empty"},
        BadCase{"numeric title", minimal_with(R"("title":"Haftar in Cairo")", R"("title":3)"),
                "\"title\" is not a string"},
        BadCase{"bad published",
                minimal_with(R"("published":null)", R"("published":"2020-06-03 09:15")"),
                "\"published\" is not a UTC time"},
        BadCase{"impossible date",
                minimal_with(R"("published":null)", R"("published":"2021-02-29T00:00:00Z")"),
                "\"published\" is not a UTC time"},
        BadCase{"null fetched",
                minimal_with(R"("fetched":"1970-01-01T00:00:00Z")", R"("fetched":null)"),
                "\"fetched\" is not a time string"},
        BadCase{"matched not array", minimal_with(R"(["Haftar"])", R"("Haftar")"),
                "\"matched\" is not an array"},
        BadCase{"matched holds number", minimal_with(R"(["Haftar"])", R"(["Haftar",1])"),
                "\"matched\" holds a non-string"},
        BadCase{"tags not strings", minimal_with(R"("matched")", R"("tags":[null],"matched")"),
                "\"tags\" holds a non-string"},
        BadCase{"severity number", minimal_with(R"("matched")", R"("severity":5,"matched")"),
                "\"severity\" is not a string"},
        BadCase{"language number", minimal_with(R"("matched")", R"("language":1,"matched")"),
                "\"language\" is not a string"},
        BadCase{"language_from null",
                minimal_with(R"("matched")", R"("language":"ar","language_from":null,"matched")"),
                "\"language_from\" is not a string"},
        BadCase{"story without size",
                minimal_with(R"("matched")", R"("story":"0123456789abcdef","matched")"),
                "\"story_size\""},
        BadCase{"story number", minimal_with(R"("matched")", R"("story":5,"matched")"),
                "\"story\" is not a string"},
        BadCase{"empty story",
                minimal_with(R"("matched")", R"("story":"","story_size":1,"matched")"),
                "\"story\" must not be empty"}),
    [](const testing::TestParamInfo<BadCase>& info) {
      std::string n = info.param.name;
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(ParseSeq, DecimalDigitsOnly) {
  EXPECT_EQ(parse_seq("0"), 0u);
  EXPECT_EQ(parse_seq("42"), 42u);
  EXPECT_EQ(parse_seq("18446744073709551615"), UINT64_MAX);
  for (const char* bad :
       {"", "-1", "+1", " 1", "1 ", "x1", "1x", "18446744073709551616", "000000000000000000001"}) {
    EXPECT_FALSE(parse_seq(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace nw
