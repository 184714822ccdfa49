#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include "tests/support/fakes.h"

namespace nw {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, EachSourceOnItsOwnInterval) {
  test::FakeClock clock;
  Scheduler s(clock, {});
  s.add("fast", 2s);
  s.add("slow", 10s);
  EXPECT_EQ(s.take_due(), (std::vector<std::string>{"fast", "slow"}) );
  EXPECT_TRUE(s.take_due().empty());  // in flight
  s.finish("fast", true, 0);
  s.finish("slow", true, 0);
  EXPECT_EQ(s.until_next(), std::chrono::milliseconds(2000));
  int fast = 0, slow = 0;
  for (int i = 0; i < 20; ++i) {
    clock.advance(1s);
    for (const auto& id : s.take_due()) {
      (id == "fast" ? fast : slow)++;
      s.finish(id, true, 0);
    }
  }
  EXPECT_EQ(fast, 10);
  EXPECT_EQ(slow, 2);
}

TEST(Scheduler, FailuresBackOffExponentiallyWithCap) {
  test::FakeClock clock;
  Scheduler s(clock, {.max_backoff = 100s});
  s.add("x", 10s);
  s.take_due();
  const auto t0 = clock.now();
  struct Case { int failures; double lo, hi; };
  for (Case c : {Case{1, 8, 12}, Case{2, 16, 24}, Case{3, 32, 48}, Case{5, 80, 120}, Case{12, 80, 120}}) {
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
  EXPECT_EQ(s.finish("x", true, 0, 1s) - clock.now(), 10s);
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

}  // namespace
}  // namespace nw
