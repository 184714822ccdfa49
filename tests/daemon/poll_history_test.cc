// A source's polls by hour: counting, the day sliding on, and the stored text.
#include "daemon/poll_history.h"

#include <gtest/gtest.h>

namespace nw {
namespace {

using namespace std::chrono_literals;

const std::chrono::sys_seconds kHour{1'700'006'400s};  // 2023-11-15 00:00 UTC

TEST(PollHistory, CountsEachPollInItsHour) {
  PollHistory h;
  h.record(kHour + 5min, true);
  h.record(kHour + 50min, false);
  h.record(kHour + 61min, true);
  EXPECT_EQ(h.end_hour, 1'700'006'400 / 3600 + 1);
  EXPECT_EQ(h.hours[22], (PollHistory::Hour{.ok = 1, .failed = 1}));
  EXPECT_EQ(h.hours[23], (PollHistory::Hour{.ok = 1, .failed = 0}));
  h.record(kHour + 10min, true);  // a late answer counts in its own hour
  EXPECT_EQ(h.hours[22].ok, 2u);
}

TEST(PollHistory, OlderHoursSlideOutOfTheDay) {
  PollHistory h;
  h.record(kHour, true);
  const PollHistory later = h.as_of(kHour + 23h);
  EXPECT_EQ(later.hours[0].ok, 1u) << "23 hours on: the oldest bar";
  EXPECT_EQ(h.as_of(kHour + 24h), PollHistory{.end_hour = h.end_hour + 24}) << "a day on: gone";
  EXPECT_EQ(h.as_of(kHour - 5h), h) << "a clock set back does not wipe it";
  h.record(kHour - 25h, false);  // older than the day kept
  EXPECT_EQ(h.hours[0].failed, 0u);
}

TEST(PollHistory, StoredTextRoundTripsAndBadTextReadsEmpty) {
  PollHistory h;
  EXPECT_EQ(h.encode(), "") << "nothing counted: nothing stored";
  h.record(kHour, true);
  h.record(kHour + 2h, false);
  const std::string text = h.encode();
  EXPECT_TRUE(text.starts_with(std::to_string(h.end_hour) + " 0/0 ")) << text;
  EXPECT_TRUE(text.ends_with(" 1/0 0/0 0/1")) << text;
  EXPECT_EQ(PollHistory::decode(text), h);
  for (const char* bad : {"x", "12", "12 1/0", "12 1/0 junk", "-", "12 1/x"}) {
    EXPECT_EQ(PollHistory::decode(bad), PollHistory{}) << bad;
  }
  EXPECT_EQ(PollHistory::decode(text + " 4/4"), PollHistory{}) << "25 hours";
}

}  // namespace
}  // namespace nw
