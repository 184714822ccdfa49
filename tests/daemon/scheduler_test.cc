#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/support/fakes.h"

namespace nw {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, EachSourceOnItsOwnInterval) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  s.add("fast", 2s);
  s.add("slow", 10s);
  const auto t0 = clock.now();
  EXPECT_EQ(s.take_due(), (std::vector<std::string>{"fast", "slow"}));  // the first poll at once
  EXPECT_TRUE(s.take_due().empty());                                    // in flight
  s.finish("fast", true, 0);
  s.finish("slow", true, 0);
  // The second poll waits for the source's slot: half an interval to one and a half.
  const auto first_wait = s.until_next();
  ASSERT_TRUE(first_wait);
  EXPECT_GE(*first_wait, 1000ms);
  EXPECT_LT(*first_wait, 3000ms);
  std::map<std::string, std::vector<TimePoint>> polls;
  for (int i = 0; i < 40'000; ++i) {  // 40 s in 1 ms steps
    clock.advance(1ms);
    for (const auto& id : s.take_due()) {
      polls[id].push_back(clock.now());
      s.finish(id, true, 0);
    }
  }
  for (auto [id, interval] : {std::pair{"fast", 2s}, std::pair{"slow", 10s}}) {
    const auto& at = polls[id];
    ASSERT_GE(at.size(), 3u) << id;
    EXPECT_GE(at[0] - t0, interval / 2) << id;
    EXPECT_LT(at[0] - t0, interval * 3 / 2) << id;
    for (std::size_t k = 1; k < at.size(); ++k) EXPECT_EQ(at[k] - at[k - 1], interval) << id;
  }
  EXPECT_GE(polls["fast"].size(), 19u);
  EXPECT_LE(polls["fast"].size(), 20u);
}

// Sources added together (a start, a reload with a thousand new sources) are
// polled at once, then each in its own slot: spread evenly over the interval,
// not in one burst every interval.
TEST(Scheduler, SourcesAddedTogetherSpreadOverTheInterval) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  constexpr int kSources = 2'000;
  for (int i = 0; i < kSources; ++i) s.add("site-" + std::to_string(i), 60s);
  const auto t0 = clock.now();
  ASSERT_EQ(s.take_due().size(), static_cast<std::size_t>(kSources));
  std::vector<int> per_tenth(10);
  for (int i = 0; i < kSources; ++i) {
    const auto due = s.finish("site-" + std::to_string(i), true, 0);
    ASSERT_GE(due - t0, 30s);
    ASSERT_LT(due - t0, 90s);
    // Which tenth of the interval the slot falls in (from the slot's own phase).
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due.time_since_epoch());
    ++per_tenth[static_cast<std::size_t>((ms.count() % 60'000) / 6'000)];
  }
  for (int n : per_tenth) {
    EXPECT_GT(n, kSources / 10 * 7 / 10);  // 200 expected per tenth; a burst would put 2,000 in one
    EXPECT_LT(n, kSources / 10 * 13 / 10);
  }
}

// The slot is a function of the id and the interval only, so a restart (a new
// Scheduler) or a second daemon keeps each source in the same slot.
TEST(Scheduler, SlotsSurviveARestart) {
  test::FakeClock clock;
  Scheduler a(clock, {});
  a.add("x", 300s);
  a.take_due();
  const auto due = a.finish("x", true, 0);
  clock.advance(41s);
  Scheduler b(clock, {});
  b.add("x", 300s);
  b.take_due();
  const auto again = b.finish("x", true, 0);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(again - due) % 300s, 0ms);
}

TEST(Scheduler, FailuresBackOffExponentiallyWithCap) {
  test::FakeClock clock;
  Scheduler s(clock, {.max_backoff = 100s});
  s.add("x", 10s);
  s.take_due();
  const auto t0 = clock.now();
  struct Case {
    int failures;
    double lo, hi;
  };
  for (Case c :
       {Case{1, 8, 12}, Case{2, 16, 24}, Case{3, 32, 48}, Case{5, 80, 120}, Case{12, 80, 120}}) {
    const auto due = s.finish("x", false, c.failures);
    const double secs = std::chrono::duration<double>(due - t0).count();
    EXPECT_GE(secs, c.lo) << c.failures;
    EXPECT_LE(secs, c.hi) << c.failures;
  }
}

TEST(Scheduler, RetryAfterWinsWhenLater) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  s.add("x", 10s);
  s.take_due();
  EXPECT_EQ(s.finish("x", false, 1, 300s) - clock.now(), 300s);
  const auto ok = s.finish("x", true, 0, 1s) - clock.now();  // its slot, not 1s
  EXPECT_GE(ok, 5s);
  EXPECT_LT(ok, 15s);
}

TEST(Scheduler, StoredDueTimeAndRemoval) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  s.add("later", 10s, clock.now() + 30s);
  EXPECT_TRUE(s.take_due().empty());
  EXPECT_EQ(s.until_next(), std::chrono::milliseconds(30000));
  s.remove("later");
  EXPECT_FALSE(s.until_next());
}

TEST(Scheduler, SetIntervalAppliesFromTheNextFinish) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  s.add("x", 10s);
  s.take_due();
  s.set_interval("x", 40s);
  const auto next = s.finish("x", true, 0) - clock.now();
  EXPECT_GE(next, 20s);
  EXPECT_LT(next, 60s);
  s.set_interval("x", 0s);  // floored at 1s
  clock.advance(60s);
  s.take_due();
  const auto floored = s.finish("x", true, 0) - clock.now();
  EXPECT_GE(floored, 500ms);
  EXPECT_LT(floored, 1500ms);
}

TEST(Scheduler, TenThousandSourcesComeDueInOrder) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  for (int i = 0; i < 10'000; ++i)
    s.add("s" + std::to_string(i), 600s, clock.now() + std::chrono::milliseconds(6 * i));
  std::set<std::string> taken;
  std::string last;
  for (int step = 0; step < 100; ++step) {
    for (const auto& id : s.take_due()) {
      EXPECT_TRUE(taken.insert(id).second) << id;  // each once in the first minute
      s.finish(id, true, 0);
    }
    clock.advance(600ms);
  }
  EXPECT_EQ(taken.size(), 9'901u);                          // due at 0 .. 59.4s
  EXPECT_EQ(s.until_next(), std::chrono::milliseconds(0));  // the clock is at 60s: s9901 is late
}

// `interval` means what the user wrote: the adaptive range is opt-in.
TEST(IntervalBounds, DefaultToTheIntervalItself) {
  struct Case {
    std::chrono::seconds interval;
    std::optional<std::chrono::seconds> lo, hi;
    std::chrono::seconds want_lo, want_hi;
  };
  for (const Case& c :
       {Case{300s, {}, {}, 300s, 300s}, Case{10s, {}, {}, 10s, 10s}, Case{300s, 60s, {}, 60s, 300s},
        Case{300s, {}, 3600s, 300s, 3600s}, Case{300s, 60s, 3600s, 60s, 3600s},
        Case{300s, 600s, 100s, 300s, 300s}, Case{300s, 0s, {}, 1s, 300s}}) {
    const IntervalBounds b = interval_bounds(c.interval, c.lo, c.hi);
    EXPECT_EQ(b.min, c.want_lo) << c.interval.count();
    EXPECT_EQ(b.base, c.interval);
    EXPECT_EQ(b.max, c.want_hi) << c.interval.count();
  }
}

TEST(AdaptInterval, StaysAtTheIntervalWithoutBounds) {
  const auto now = std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2020} / 6 / 3}};
  const IntervalBounds b = interval_bounds(10s, {}, {});
  for (const PollSample& s : {PollSample{.modified = false}, PollSample{.new_items = 50},
                              PollSample{.modified = false, .hint = 3600s}}) {
    EXPECT_EQ(adapt_interval(10s, b, s, now).interval, 10s);
  }
}

TEST(AdaptInterval, FollowsThePublishingRateWithinBounds) {
  const auto now = std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2020} / 6 / 3}};
  const IntervalBounds b = interval_bounds(300s, 75s, 1200s);
  auto dates = [&](int n, std::chrono::seconds gap) {
    std::vector<std::chrono::sys_seconds> d;
    for (int i = 0; i < n; ++i) d.push_back(now - gap * i - 30s);
    return d;
  };
  struct Case {
    const char* name;
    std::chrono::seconds current;
    PollSample sample;
    std::chrono::seconds lo, hi;
    std::string_view reason;  // what the log says
  };
  const Case cases[] = {
      // One new item per poll: stays.
      {"steady",
       300s,
       {.new_items = 1, .since_last = 300s},
       300s,
       300s,
       "about one new item every 5m"},
      // Four per poll: halfway (log scale) to 75s per item.
      {"busy",
       300s,
       {.new_items = 4, .since_last = 300s},
       150s,
       150s,
       "about one new item every 75s"},
      {"busy at min",
       80s,
       {.new_items = 50, .since_last = 80s},
       75s,
       75s,
       "about one new item every 2s (held at min_interval)"},
      // Nothing new, no dates: grows by sqrt(2).
      {"not modified", 300s, {.modified = false}, 424s, 425s, "nothing new"},
      {"quiet at max",
       1200s,
       {.modified = false},
       1200s,
       1200s,
       "nothing new (held at max_interval)"},
      // Dated items: 10 in the last 50 min, one per ~5 min.
      {"dates",
       1200s,
       {.item_dates = dates(10, 300s)},
       565s,
       580s,
       "about one new item every 4m"},  // sqrt(1200 * 273)
      // Dates far in the future say nothing.
      {"future dates",
       300s,
       {.new_items = 0, .item_dates = {now + 24h, now + 48h}},
       424s,
       425s,
       "nothing new"},
      // A hint (ttl 15 min) is a floor, but the max still wins.
      {"hint",
       300s,
       {.new_items = 4, .since_last = 300s, .hint = 900s},
       900s,
       900s,
       "the source asks not to be polled more often than every 15m"},
      {"hint above max",
       300s,
       {.modified = false, .hint = 7200s},
       1200s,
       1200s,
       "the source asks not to be polled more often than every 2h (held at max_interval)"},
  };
  for (const Case& c : cases) {
    const auto next = adapt_interval(c.current, b, c.sample, now);
    EXPECT_GE(next.interval, c.lo) << c.name;
    EXPECT_LE(next.interval, c.hi) << c.name;
    EXPECT_EQ(next.reason, c.reason) << c.name;
  }
}

TEST(AdaptInterval, ConvergesOnTheRateOfABusyFeed) {
  const auto now = std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2020} / 6 / 3}};
  const IntervalBounds b = interval_bounds(600s, 30s, {});
  // An item every 60s: a poll sees the items published since the last one.
  std::chrono::seconds cur = 600s;
  std::int64_t t = 0;
  for (int i = 0; i < 20; ++i) {
    const std::int64_t next_t = t + cur.count();
    const int items = static_cast<int>(next_t / 60 - t / 60);
    t = next_t;
    cur = adapt_interval(cur, b, {.new_items = items, .since_last = cur}, now).interval;
  }
  EXPECT_GE(cur, 40s);
  EXPECT_LE(cur, 90s);
}

}  // namespace
}  // namespace nw
