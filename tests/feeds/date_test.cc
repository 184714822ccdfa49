#include "feeds/date.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace nw {
namespace {

struct DateCase {
  const char* input;
  const char* want;  // UTC, ISO 8601; nullptr = must not parse
};

class ParseDateTest : public testing::TestWithParam<DateCase> {};

TEST_P(ParseDateTest, Parses) {
  const DateCase& c = GetParam();
  const auto got = parse_date(c.input);
  if (c.want == nullptr) {
    EXPECT_FALSE(got.has_value()) << "\"" << c.input << "\" gave " << format_iso8601(*got);
  } else {
    ASSERT_TRUE(got.has_value()) << "\"" << c.input << "\" did not parse";
    EXPECT_EQ(format_iso8601(*got), c.want) << "\"" << c.input << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc822, ParseDateTest,
    testing::Values(
        // RFC 822 / 1123 / 2822 as written.
        DateCase{"Wed, 31 Dec 2003 10:14:55 GMT", "2003-12-31T10:14:55Z"},
        DateCase{"Thu, 01 Jan 2004 19:48:21 +0000", "2004-01-01T19:48:21Z"},
        DateCase{"Wed, 03 Jun 2020 14:05:00 +0200", "2020-06-03T12:05:00Z"},
        DateCase{"Wed, 03 Jun 2020 14:05:00 +02:00", "2020-06-03T12:05:00Z"},
        DateCase{"Tue, 02 Jun 2020 21:30:00 -0430", "2020-06-03T02:00:00Z"},
        DateCase{"Sat, 01 Jan 2000 00:00:00 -0100", "2000-01-01T01:00:00Z"},
        // Named zones.
        DateCase{"Mon, 06 Jan 2020 12:00:00 UT", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 UTC", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 Z", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 EST", "2020-01-06T17:00:00Z"},
        DateCase{"Mon, 06 Jul 2020 12:00:00 EDT", "2020-07-06T16:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 CST", "2020-01-06T18:00:00Z"},
        DateCase{"Mon, 06 Jul 2020 12:00:00 CDT", "2020-07-06T17:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 MST", "2020-01-06T19:00:00Z"},
        DateCase{"Mon, 06 Jul 2020 12:00:00 MDT", "2020-07-06T18:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 PST", "2020-01-06T20:00:00Z"},
        DateCase{"Mon, 06 Jul 2020 12:00:00 PDT", "2020-07-06T19:00:00Z"},
        DateCase{"Mon, 06 Jul 2020 12:00:00 cest", "2020-07-06T10:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 GMT+0200", "2020-01-06T10:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 UTC+3", "2020-01-06T09:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 +0000 (UTC)", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 +0300 GMT", "2020-01-06T09:00:00Z"},
        // Military letters (A = +1 ... M = +12, N = -1 ... Y = -12).
        DateCase{"Mon, 06 Jan 2020 12:00:00 A", "2020-01-06T11:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 M", "2020-01-06T00:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 N", "2020-01-06T13:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 Y", "2020-01-07T00:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 J", nullptr},
        // No weekday, no zone (UTC), no seconds, 1-digit day, 2- and 3-digit years.
        DateCase{"06 Jan 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Mon, 6 Jan 2020 9:05:01 GMT", "2020-01-06T09:05:01Z"},
        DateCase{"Mon, 06 Jan 20 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Fri, 31 Dec 99 23:59:59 GMT", "1999-12-31T23:59:59Z"},
        DateCase{"Sat, 01 Jan 100 00:00:00 GMT", "2000-01-01T00:00:00Z"},
        DateCase{"Mon, 06 Jan 2020", "2020-01-06T00:00:00Z"},
        // Sloppiness seen in real feeds.
        DateCase{"  Mon,  06   Jan  2020   12:00:00   +0100  ", "2020-01-06T11:00:00Z"},
        DateCase{"Mon,06 Jan 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Mon 06 Jan 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Monday, 06 January 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"mon, 06 jan 2020 12:00:00 gmt", "2020-01-06T12:00:00Z"},
        DateCase{"MON, 06 JAN 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Tues, 07 Sept 2021 08:00:00 GMT", "2021-09-07T08:00:00Z"},
        DateCase{"Monday, 06-Jan-20 12:00:00 GMT", "2020-01-06T12:00:00Z"},  // RFC 850
        DateCase{"Mon Jan  6 12:00:00 2020", "2020-01-06T12:00:00Z"},        // asctime
        DateCase{"Jan 06, 2020 12:00:00 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"January 6, 2020", "2020-01-06T00:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00.500 GMT", "2020-01-06T12:00:00Z"},
        DateCase{"Wed, 02 Jan 2020 12:00:00 GMT",
                 "2020-01-02T12:00:00Z"},  // wrong weekday: ignored
        DateCase{"Wed, 29 Feb 2012 12:00:00 GMT", "2012-02-29T12:00:00Z"},
        DateCase{"Mon, 06 Jan 2020 12:00:00 GMT.", "2020-01-06T12:00:00Z"},
        // Out of range or malformed: nullopt, never a guess.
        DateCase{"Mon, 32 Jan 2020 12:00:00 GMT", nullptr},
        DateCase{"Thu, 29 Feb 2018 12:00:00 GMT", nullptr},
        DateCase{"Mon, 06 Foo 2020 12:00:00 GMT", nullptr},
        DateCase{"Mon, 06 Jan 2020 25:00:00 GMT", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:60:00 GMT", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:00:61 GMT", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:00:00 +2500", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:00:00 +0260", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:00:00 XYZ", nullptr},
        DateCase{"Mon, 06 Jan 2020 12:00:00 IST", nullptr},  // ambiguous zone name
        DateCase{"Mon, 06 Jan 2020 12:00:00 GMT garbage", nullptr},
        DateCase{"Mon, 06 Jan 12:00:00 GMT", nullptr}, DateCase{"Mon, Jan 2020", nullptr},
        DateCase{"06 Jan", nullptr}, DateCase{"not a date", nullptr}, DateCase{"", nullptr},
        DateCase{"   ", nullptr}, DateCase{"Mon, 0 Jan 2020 12:00:00 GMT", nullptr}));

INSTANTIATE_TEST_SUITE_P(
    Iso8601, ParseDateTest,
    testing::Values(
        // RFC 3339 / Atom.
        DateCase{"2003-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31T10:14:55z", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31t10:14:55Z", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31T10:14:55-08:00", "2003-12-31T18:14:55Z"},
        DateCase{"2003-12-31T10:14:55+05:30", "2003-12-31T04:44:55Z"},
        DateCase{"2003-12-31T10:14:55.123456Z", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31T10:14:55,5+01:00", "2003-12-31T09:14:55Z"},
        DateCase{"2004-01-01T01:00:00+02:00", "2003-12-31T23:00:00Z"},
        // ±hhmm, ±hh, no zone (UTC), space instead of T.
        DateCase{"2003-12-31T10:14:55+0100", "2003-12-31T09:14:55Z"},
        DateCase{"2003-12-31T10:14:55+01", "2003-12-31T09:14:55Z"},
        DateCase{"2003-12-31T10:14:55", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31 10:14:55", "2003-12-31T10:14:55Z"},
        DateCase{"2003-12-31 10:14:55 +0300", "2003-12-31T07:14:55Z"},
        DateCase{"2003-12-31 10:14:55 GMT", "2003-12-31T10:14:55Z"},
        // W3CDTF granularity: year, month, day, minutes.
        DateCase{"2003", "2003-01-01T00:00:00Z"}, DateCase{"2003-12", "2003-12-01T00:00:00Z"},
        DateCase{"2003-12-31", "2003-12-31T00:00:00Z"},
        DateCase{"2003-12-31T10:14Z", "2003-12-31T10:14:00Z"},
        DateCase{"2003-12-31T10Z", "2003-12-31T10:00:00Z"},
        DateCase{"2003-12-31T10-05:00", "2003-12-31T15:00:00Z"},
        DateCase{"2003-12-31 10Z", nullptr},
        DateCase{"2003-12-31T10:14+02:00", "2003-12-31T08:14:00Z"},
        // Basic format, ordinal and week dates, end of day, leap second.
        DateCase{"20031231T101455Z", "2003-12-31T10:14:55Z"},
        DateCase{"20031231", "2003-12-31T00:00:00Z"}, DateCase{"2003-365", "2003-12-31T00:00:00Z"},
        DateCase{"2004-W01-1", "2003-12-29T00:00:00Z"},
        DateCase{"2020-W53-5", "2021-01-01T00:00:00Z"},
        DateCase{"2003-12-31T24:00:00Z", "2004-01-01T00:00:00Z"},
        DateCase{"2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z"},
        // Out of range or malformed.
        DateCase{"2003-13-01", nullptr}, DateCase{"2003-00-10", nullptr},
        DateCase{"2003-12-32", nullptr}, DateCase{"2003-02-29", nullptr},
        DateCase{"2003-12-31T25:00:00Z", nullptr}, DateCase{"2003-12-31T24:00:01Z", nullptr},
        DateCase{"2003-12-31T10:60:00Z", nullptr}, DateCase{"2003-12-31T10:14:55+24:00", nullptr},
        DateCase{"2003-12-31T10:14:55Q1", nullptr}, DateCase{"2003-12-31T10", nullptr},
        DateCase{"2003-12-31T", nullptr}, DateCase{"2003-366", nullptr},
        DateCase{"2021-W53-1", nullptr}, DateCase{"2003-1-5", nullptr}, DateCase{"200312", nullptr},
        DateCase{"2003-12-31T10:14:55Z trailing", nullptr}, DateCase{"20031231T1014559", nullptr},
        // A zone needs a time: a date with a part too many.
        DateCase{"2013-01-27-01", nullptr}, DateCase{"2013-01-28T11:30:00-06:00Textra", nullptr}));

// ISO 8601:1988's two-digit years (the current century) and reduced precision,
// and Google's three-digit month, as feedparser reads them.
INSTANTIATE_TEST_SUITE_P(
    Iso8601Short, ParseDateTest,
    testing::Values(
        DateCase{"03-12-31", "2003-12-31T00:00:00Z"}, DateCase{"031231", "2003-12-31T00:00:00Z"},
        DateCase{"03-12-31T10:14:55Z", "2003-12-31T10:14:55Z"},
        DateCase{"031231T10:14+01:00", "2003-12-31T09:14:00Z"},
        DateCase{"-0312", "2003-12-01T00:00:00Z"}, DateCase{"-03-12", "2003-12-01T00:00:00Z"},
        DateCase{"03-335", "2003-12-01T00:00:00Z"}, DateCase{"2003335", "2003-12-01T00:00:00Z"},
        DateCase{"2003-012-31T10:14:55+00:00", "2003-12-31T10:14:55Z"},
        // Malformed widths and what reads as something else stay unread.
        DateCase{"03-1-31", nullptr}, DateCase{"03-12-1", nullptr}, DateCase{"-312", nullptr},
        DateCase{"--1", nullptr}, DateCase{"03-13-01", nullptr}, DateCase{"03-366", nullptr},
        DateCase{"12345", nullptr}, DateCase{"22013", nullptr}, DateCase{"013", nullptr},
        DateCase{"200312", nullptr}, DateCase{"03123", nullptr},
        DateCase{"2003-012", "2003-01-12T00:00:00Z"}, DateCase{"2003-12-311", nullptr},
        DateCase{"1234567890", nullptr}));

// RFC 822 with the North American zones that omit S/D, read as standard time.
INSTANTIATE_TEST_SUITE_P(
    Rfc822ShortZones, ParseDateTest,
    testing::Values(DateCase{"Mon, 26 January 2004 16:31:00 AT", "2004-01-26T20:31:00Z"},
                    DateCase{"Mon, 26 January 2004 16:31:00 ET", "2004-01-26T21:31:00Z"},
                    DateCase{"Mon, 26 January 2004 16:31:00 CT", "2004-01-26T22:31:00Z"},
                    DateCase{"Mon, 26 January 2004 16:31:00 MT", "2004-01-26T23:31:00Z"},
                    DateCase{"Mon, 26 January 2004 16:31:00 pt", "2004-01-27T00:31:00Z"},
                    DateCase{"Mon, 26 January 2004 16:31:00 XT", nullptr}));

// A date without a year is in the current one (UTC).
TEST(ParseDate, MonthWithoutYearIsThisYear) {
  using namespace std::chrono;
  const int year = static_cast<int>(year_month_day{floor<days>(system_clock::now())}.year());
  const auto check = [&](const char* in, const char* month_day) {
    const auto t = parse_date(in);
    ASSERT_TRUE(t) << in;
    EXPECT_EQ(format_iso8601(*t), std::to_string(year) + "-" + month_day + "T00:00:00Z") << in;
  };
  check("--12-31", "12-31");
  check("--1231", "12-31");
  check("--05", "05-01");
  EXPECT_FALSE(parse_date("--13"));
  EXPECT_FALSE(parse_date("--12-32"));
}

TEST(FormatIso8601, RoundTrips) {
  for (const char* s : {"1970-01-01T00:00:00Z", "2003-12-31T10:14:55Z", "2038-01-19T03:14:08Z",
                        "9999-12-31T23:59:59Z"}) {
    const auto t = parse_date(s);
    ASSERT_TRUE(t) << s;
    EXPECT_EQ(format_iso8601(*t), s);
  }
}

TEST(ParseDate, HostileInputsDoNotCrash) {
  const std::string long_digits(10000, '9');
  EXPECT_FALSE(parse_date(long_digits));
  EXPECT_FALSE(parse_date("Mon, 99999999999999999999 Jan 2020"));
  EXPECT_FALSE(parse_date("((((((((((((((((("));
  EXPECT_FALSE(parse_date(std::string("2003-12-31\0T10:00", 17)));
}

}  // namespace
}  // namespace nw
