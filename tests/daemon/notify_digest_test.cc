// daemon/notify/digest.h and local_time.h: digest schedules against fake times
// (hourly and daily boundaries, DST in Europe/Paris and America/New_York,
// Africa/Tripoli), the grouping of a period's alerts by story, and local times,
// all through the real ICU time zone data.
#include <gtest/gtest.h>

#include "daemon/notify/digest.h"
#include "daemon/notify/local_time.h"

namespace nw {
namespace {

using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

sys_seconds utc(int y, unsigned m, unsigned d, int hh, int mm, int ss = 0) {
  return sys_days{std::chrono::year{y} / m / d} + std::chrono::hours{hh} +
         std::chrono::minutes{mm} + std::chrono::seconds{ss};
}

DigestSchedule schedule(std::string_view text, std::string_view zone = "") {
  auto s = parse_digest(text, zone);
  EXPECT_TRUE(s.has_value()) << text << ": " << (s ? "" : s.error().message);
  return s.value_or(DigestSchedule{});
}

TEST(ParseDigest, Periods) {
  struct Case {
    std::string_view text;
    std::chrono::seconds every;
  };
  for (const Case& c : {Case{"1h", 1h}, Case{"30m", 30min}, Case{" 90m ", 90min}, Case{"2H", 2h},
                        Case{"24h", 24h}, Case{"1m", 1min}}) {
    const DigestSchedule s = schedule(c.text);
    EXPECT_EQ(s.kind, DigestSchedule::Kind::kEvery) << c.text;
    EXPECT_EQ(s.every, c.every) << c.text;
    EXPECT_EQ(s.timezone, "UTC") << c.text;
  }
}

TEST(ParseDigest, Daily) {
  struct Case {
    std::string_view text;
    int hour, minute;
  };
  for (const Case& c : {Case{"daily 08:00", 8, 0}, Case{"Daily 8:05", 8, 5},
                        Case{"daily   23:59", 23, 59}, Case{"daily 00:00", 0, 0}}) {
    const DigestSchedule s = schedule(c.text, "Africa/Tripoli");
    EXPECT_EQ(s.kind, DigestSchedule::Kind::kDaily) << c.text;
    EXPECT_EQ(s.hour, c.hour) << c.text;
    EXPECT_EQ(s.minute, c.minute) << c.text;
    EXPECT_EQ(s.timezone, "Africa/Tripoli") << c.text;
  }
}

TEST(ParseDigest, ErrorsSayWhatIsWrongAndGiveAnExample) {
  struct Case {
    std::string_view text;
    std::string_view says;
  };
  for (const Case& c :
       {Case{"", "empty"}, Case{"0m", "between 1m and 24h"}, Case{"25h", "between 1m and 24h"},
        Case{"1d", "not a period"}, Case{"1.5h", "not a period"}, Case{"hourly", "not a period"},
        Case{"-1h", "not a period"}, Case{"daily", "HH:MM"}, Case{"daily 8", "HH:MM"},
        Case{"daily 08:5", "HH:MM"}, Case{"daily 24:00", "between 00:00 and 23:59"},
        Case{"daily 12:60", "between 00:00 and 23:59"}}) {
    auto s = parse_digest(c.text, "");
    ASSERT_FALSE(s.has_value()) << c.text;
    EXPECT_EQ(s.error().code, Errc::kInvalid);
    EXPECT_NE(s.error().message.find(c.says), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("\"daily 08:00\""), std::string::npos) << s.error().message;
    EXPECT_NE(s.error().message.find("digest \"" + std::string(c.text) + "\""), std::string::npos)
        << s.error().message;
  }
}

TEST(ParseDigest, UnknownTimeZone) {
  auto s = parse_digest("daily 08:00", "Mars/Olympus_Mons");
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_NE(s.error().message.find("Africa/Tripoli"), std::string::npos);
  EXPECT_TRUE(check_timezone("Europe/Paris").has_value());
  EXPECT_TRUE(check_timezone("UTC").has_value());
  EXPECT_FALSE(check_timezone("").has_value());
  EXPECT_FALSE(check_timezone("Europe/Pariss").has_value());
}

TEST(NextDigest, EveryPeriodIsAlignedToTheClockAndStrictlyAfter) {
  const DigestSchedule hourly = schedule("1h");
  EXPECT_EQ(next_digest(hourly, utc(2026, 12, 6, 10, 0)), utc(2026, 12, 6, 11, 0));
  EXPECT_EQ(next_digest(hourly, utc(2026, 12, 6, 10, 0, 1)), utc(2026, 12, 6, 11, 0));
  EXPECT_EQ(next_digest(hourly, utc(2026, 12, 6, 10, 59, 59)), utc(2026, 12, 6, 11, 0));
  EXPECT_EQ(next_digest(hourly, utc(2026, 12, 31, 23, 30)), utc(2027, 1, 1, 0, 0));
  const DigestSchedule half = schedule("30m");
  EXPECT_EQ(next_digest(half, utc(2026, 12, 6, 10, 15)), utc(2026, 12, 6, 10, 30));
  EXPECT_EQ(next_digest(half, utc(2026, 12, 6, 10, 30)), utc(2026, 12, 6, 11, 0));
  // A time zone does not move a period's boundaries (UTC-aligned).
  const DigestSchedule tripoli = schedule("1h", "Africa/Tripoli");
  EXPECT_EQ(next_digest(tripoli, utc(2026, 12, 6, 10, 20)), utc(2026, 12, 6, 11, 0));
}

TEST(NextDigest, DailyInUtc) {
  const DigestSchedule s = schedule("daily 08:00");
  EXPECT_EQ(next_digest(s, utc(2026, 12, 6, 7, 59, 59)), utc(2026, 12, 6, 8, 0));
  EXPECT_EQ(next_digest(s, utc(2026, 12, 6, 8, 0)), utc(2026, 12, 7, 8, 0));
  EXPECT_EQ(next_digest(s, utc(2026, 12, 31, 9, 0)), utc(2027, 1, 1, 8, 0));
}

TEST(NextDigest, DailyInTripoli) {
  // Libya is UTC+2 all year: 08:00 there is 06:00 UTC.
  const DigestSchedule s = schedule("daily 08:00", "Africa/Tripoli");
  EXPECT_EQ(next_digest(s, utc(2026, 12, 6, 5, 0)), utc(2026, 12, 6, 6, 0));
  EXPECT_EQ(next_digest(s, utc(2026, 12, 6, 6, 0)), utc(2026, 12, 7, 6, 0));
  // 23:30 UTC is already the next day in Tripoli (01:30): its 08:00 comes first.
  EXPECT_EQ(next_digest(s, utc(2026, 12, 6, 23, 30)), utc(2026, 12, 7, 6, 0));
  const DigestSchedule midnight = schedule("daily 00:30", "Africa/Tripoli");
  EXPECT_EQ(next_digest(midnight, utc(2026, 12, 6, 21, 0)), utc(2026, 12, 6, 22, 30));
}

TEST(NextDigest, DailyAcrossDstInParis) {
  // 2026: CET→CEST on 29 March at 01:00 UTC, back on 25 October at 01:00 UTC.
  const DigestSchedule s = schedule("daily 08:00", "Europe/Paris");
  EXPECT_EQ(next_digest(s, utc(2026, 3, 28, 0, 0)), utc(2026, 3, 28, 7, 0));    // CET
  EXPECT_EQ(next_digest(s, utc(2026, 3, 28, 7, 0)), utc(2026, 3, 29, 6, 0));    // CEST
  EXPECT_EQ(next_digest(s, utc(2026, 10, 24, 6, 0)), utc(2026, 10, 25, 7, 0));  // CET again
  // Every digest of a fortnight across the change is at 08:00 local, one a day.
  sys_seconds t = utc(2026, 3, 20, 12, 0);
  for (int i = 0; i < 14; ++i) {
    const sys_seconds next = next_digest(s, t);
    EXPECT_GT(next, t);
    EXPECT_LE(next - t, 25h);
    EXPECT_EQ(format_local(next, "Europe/Paris").substr(11), "08:00 (Europe/Paris)");
    t = next;
  }
}

TEST(NextDigest, WallTimesSkippedOrRepeatedByDst) {
  const DigestSchedule s = schedule("daily 02:30", "Europe/Paris");
  // 29 March: 02:00 jumps to 03:00, so 02:30 does not exist: 03:00 CEST.
  EXPECT_EQ(next_digest(s, utc(2026, 3, 28, 12, 0)), utc(2026, 3, 29, 1, 0));
  // 25 October: 02:30 happens twice; the first (CEST, 00:30 UTC), then the
  // next day's, not the second 02:30 an hour later.
  EXPECT_EQ(next_digest(s, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 25, 0, 30));
  EXPECT_EQ(next_digest(s, utc(2026, 10, 25, 0, 30)), utc(2026, 10, 26, 1, 30));
}

TEST(NextDigest, DailyAcrossDstInNewYork) {
  // 2026: EST→EDT on 8 March, back on 1 November.
  const DigestSchedule s = schedule("daily 09:00", "America/New_York");
  EXPECT_EQ(next_digest(s, utc(2026, 3, 7, 0, 0)), utc(2026, 3, 7, 14, 0));
  EXPECT_EQ(next_digest(s, utc(2026, 3, 8, 0, 0)), utc(2026, 3, 8, 13, 0));
  EXPECT_EQ(next_digest(s, utc(2026, 10, 31, 14, 0)), utc(2026, 11, 1, 14, 0));
}

TEST(FormatLocal, WallTimeAndZoneName) {
  EXPECT_EQ(format_local(utc(2026, 12, 6, 19, 5), "Africa/Tripoli"),
            "2026-12-06 21:05 (Africa/Tripoli)");
  EXPECT_EQ(format_local(utc(2026, 7, 1, 6, 0), "Europe/Paris"), "2026-07-01 08:00 (Europe/Paris)");
  EXPECT_EQ(format_local(utc(2026, 1, 1, 6, 0), "Europe/Paris"), "2026-01-01 07:00 (Europe/Paris)");
  EXPECT_EQ(format_local(utc(2026, 12, 6, 19, 5), "UTC"), "2026-12-06 19:05 (UTC)");
  EXPECT_EQ(format_local(utc(2026, 12, 6, 19, 5), "Nowhere/Atlantis"), "2026-12-06 19:05 (UTC)");
}

Alert alert(std::uint64_t seq, std::string story, std::string source, sys_seconds published,
            std::string rule = "haftar") {
  Alert a;
  a.seq = seq;
  a.id = "id" + std::to_string(seq);
  a.watchlist = "libya";
  a.rule = std::move(rule);
  a.source = std::move(source);
  a.url = "https://" + a.source + ".example/" + std::to_string(seq);
  a.title = "عنوان " + std::to_string(seq);
  a.published = published;
  a.fetched = published + 2min;
  a.story = std::move(story);
  a.story_size = seq;
  a.matched = {"حفتر"};
  return a;
}

TEST(GroupByStory, AnEmptyPeriodHasNoLines) { EXPECT_TRUE(group_by_story({}).empty()); }

TEST(GroupByStory, OneLinePerStoryNewestFirstOutletsCounted) {
  std::vector<Alert> alerts = {
      alert(1, "s1", "alwasat", utc(2026, 12, 6, 8, 0)),
      alert(2, "s2", "libyaobserver", utc(2026, 12, 6, 8, 30)),
      alert(3, "s1", "alrasifa", utc(2026, 12, 6, 9, 0), "sarraj"),
      alert(4, "", "alwasat", utc(2026, 12, 6, 8, 45)),
      alert(5, "s1", "alwasat", utc(2026, 12, 6, 7, 50)),  // published earlier, seen later
      alert(6, "", "alwasat", utc(2026, 12, 6, 8, 47)),    // lone alerts stay apart
  };
  alerts[2].severity = "high";
  alerts[2].matched = {"حفتر", "السراج"};
  alerts[3].published.reset();  // its time is when it was fetched, 08:47
  const std::vector<StoryLine> lines = group_by_story(alerts);
  ASSERT_EQ(lines.size(), 4u);

  EXPECT_EQ(lines[0].story, "s1");
  EXPECT_EQ(lines[0].alerts, 3u);
  EXPECT_EQ(lines[0].outlets, 2u);
  EXPECT_EQ(lines[0].newest, utc(2026, 12, 6, 9, 0));
  EXPECT_EQ(lines[0].first_source, "alwasat");  // seq 5, published first
  EXPECT_EQ(lines[0].title, "عنوان 5");
  EXPECT_EQ(lines[0].url, "https://alwasat.example/5");
  EXPECT_EQ(lines[0].story_size, 5u);
  EXPECT_EQ(lines[0].rules, (std::vector<std::string>{"libya/haftar", "libya/sarraj"}));
  EXPECT_EQ(lines[0].severities, (std::vector<std::string>{"high"}));
  EXPECT_EQ(lines[0].matched, (std::vector<std::string>{"حفتر", "السراج"}));

  // Both at 08:47 (seq 4 fetched then, without a published date; seq 6
  // published then): the tie goes to the higher seq.
  EXPECT_EQ(lines[1].story, "");
  EXPECT_EQ(lines[1].title, "عنوان 6");
  EXPECT_EQ(lines[1].alerts, 1u);
  EXPECT_EQ(lines[1].outlets, 1u);
  EXPECT_EQ(lines[2].title, "عنوان 4");
  EXPECT_EQ(lines[2].newest, utc(2026, 12, 6, 8, 47));
  EXPECT_EQ(lines[3].story, "s2");
  EXPECT_EQ(lines[3].first_source, "libyaobserver");
  EXPECT_TRUE(lines[3].severities.empty());
}

}  // namespace
}  // namespace nw
