// A source's next state from each kind of answer, without a Watcher, a Store or a network.
#include "daemon/poll_outcome.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nw {
namespace {

using namespace std::chrono_literals;

const std::chrono::sys_seconds kNow{1'700'000'000s};
const std::string kUrl = "http://news.test/feed.xml";
const std::string kMoved = "http://news.test/new-feed.xml";

SourceState polled_before(int failures) {
  return SourceState{.config_url = kUrl,
                     .url = kUrl,
                     .etag = "\"old\"",
                     .last_modified = "Mon, 01 Jun 2020 00:00:00 GMT",
                     .initialized = true,
                     .consecutive_failures = failures,
                     .last_success = kNow - 600s,
                     .last_attempt = kNow - 300s,
                     .last_error = failures > 0 ? "GET " + kUrl + ": HTTP 503" : "",
                     .next_poll = kNow,
                     .poll_interval = 300s};
}

std::vector<std::string> lines(const PollOutcome& outcome) {
  std::vector<std::string> out;
  for (const PollLogLine& line : outcome.log) {
    const char* level = line.level == PollLogLine::Level::kDebug  ? "debug: "
                        : line.level == PollLogLine::Level::kInfo ? "info: "
                                                                  : "error: ";
    out.push_back(level + line.text);
  }
  return out;
}

TEST(PollOutcome, EachAnswer) {
  enum class Sample { kNone, kModified, kNotModified };
  struct Case {
    const char* name;
    int failures_before = 0;
    Result<FetchResponse> response;
    std::optional<Result<PolledItems>> recorded;  // for a 200
    // Expected:
    std::string error;  // empty: a success
    int failures = 0;
    Sample sample = Sample::kNone;
    std::string url = kUrl;
    std::string etag = "\"old\"";
    ItemIdentity identity = ItemIdentity::kId;
    std::vector<std::string> log;
  };
  const FetchResponse ok200{.status = 200, .url = kUrl, .etag = "\"new\""};
  const FetchResponse not_modified{.status = 304, .url = kUrl};
  FetchResponse moved = ok200;
  moved.url = kMoved;
  moved.moved_to = kMoved;
  const std::string gone = "GET " + kUrl + ": HTTP 410 Gone; source disabled";
  const Case cases[] = {
      {.name = "200",
       .response = ok200,
       .recorded = PolledItems{.entries = 5, .new_items = 3},
       .sample = Sample::kModified,
       .etag = "\"new\"",
       .log = {"info: 3 new of 5 items"}},
      {.name = "200 nothing new",
       .response = ok200,
       .recorded = PolledItems{.entries = 5},
       .sample = Sample::kModified,
       .etag = "\"new\"",
       .log = {"debug: nothing new in 5 items"}},
      {.name = "200 after failures",
       .failures_before = 2,
       .response = ok200,
       .recorded = PolledItems{.entries = 1, .new_items = 1},
       .sample = Sample::kModified,
       .etag = "\"new\"",
       .log = {"info: recovered after 2 failures; 1 new of 1 item"}},
      {.name = "200 that degrades identity",
       .response = ok200,
       .recorded = PolledItems{.entries = 2, .identity = ItemIdentity::kLink},
       .sample = Sample::kModified,
       .etag = "\"new\"",
       .identity = ItemIdentity::kLink,
       .log = {"debug: nothing new in 2 items"}},
      {.name = "200 whose items were not recorded",
       .response = ok200,
       .recorded = fail(Errc::kParse, "GET " + kUrl + ": not a feed"),
       .error = "GET " + kUrl + ": not a feed",
       .failures = 1},
      {.name = "304",
       .response = not_modified,
       .sample = Sample::kNotModified,
       .log = {"debug: not modified"}},
      {.name = "304 after a failure",
       .failures_before = 1,
       .response = not_modified,
       .sample = Sample::kNotModified,
       .log = {"info: recovered after 1 failure"}},
      {.name = "permanent redirect",
       .response = moved,
       .recorded = PolledItems{.entries = 2},
       .sample = Sample::kModified,
       .url = kMoved,
       .etag = "\"new\"",
       .log = {"info: " + kUrl + " moved permanently to " + kMoved,
               "debug: nothing new in 2 items"}},
      {.name = "410",
       .response = FetchResponse{.status = 410, .url = kUrl},
       .error = gone,
       .failures = 1,
       .log = {"error: " + gone}},
      {.name = "500",
       .response = FetchResponse{.status = 500, .url = kUrl},
       .error = "GET " + kUrl + ": HTTP 500",
       .failures = 1},
      {.name = "500 again",
       .failures_before = 3,
       .response = FetchResponse{.status = 500, .url = kUrl},
       .error = "GET " + kUrl + ": HTTP 500",
       .failures = 4},
      {.name = "network error",
       .response = fail(Errc::kNetwork, "GET " + kUrl + ": Connection refused"),
       .error = "GET " + kUrl + ": Connection refused",
       .failures = 1},
  };
  // Fixed bounds: the interval cannot move, so no line says it did.
  const IntervalBounds bounds{.min = 300s, .base = 300s, .max = 300s};
  for (const Case& c : cases) {
    const SourceState before = polled_before(c.failures_before);
    const PollOutcome out = poll_outcome(before, c.response, c.recorded, kNow, bounds);
    const SourceState& st = out.state;
    EXPECT_EQ(out.ok(), c.error.empty()) << c.name;
    EXPECT_EQ(out.error, c.error) << c.name;
    EXPECT_EQ(st.last_error, c.error) << c.name;
    EXPECT_EQ(st.consecutive_failures, c.failures) << c.name;
    EXPECT_EQ(st.last_attempt, kNow) << c.name;
    EXPECT_EQ(st.polls.hours.back(),
              (PollHistory::Hour{.ok = out.ok() ? 1u : 0u, .failed = out.ok() ? 0u : 1u}))
        << c.name << ": the poll counted in its hour";
    EXPECT_EQ(st.last_success, out.ok() ? kNow : before.last_success) << c.name;
    EXPECT_EQ(st.url, c.url) << c.name;
    EXPECT_EQ(st.config_url, kUrl) << c.name;
    EXPECT_EQ(st.etag, c.etag) << c.name;
    EXPECT_EQ(st.identity, c.identity) << c.name;
    EXPECT_EQ(out.sample.has_value(), c.sample != Sample::kNone) << c.name;
    if (out.sample) {
      EXPECT_EQ(out.sample->modified, c.sample == Sample::kModified) << c.name;
    }
    EXPECT_EQ(st.poll_interval, std::optional(300s)) << c.name;
    EXPECT_FALSE(out.retry_after.has_value()) << c.name;
    EXPECT_EQ(lines(out), c.log) << c.name;
    const bool gone = std::string(c.name) == "410";
    EXPECT_EQ(st.disabled, gone) << c.name;
    // The Scheduler sets the next poll; a disabled source has none.
    EXPECT_EQ(st.next_poll, gone ? std::optional<std::chrono::sys_seconds>() : before.next_poll)
        << c.name;
  }
}

TEST(PollOutcome, RetryAfterIsPassedOn) {
  const FetchResponse r{.status = 429, .url = kUrl, .retry_after = 900s};
  const PollOutcome out =
      poll_outcome(polled_before(0), r, std::nullopt, kNow, {.min = 60s, .base = 60s, .max = 60s});
  EXPECT_EQ(out.error, "GET " + kUrl + ": HTTP 429");
  EXPECT_EQ(out.retry_after, std::optional(900s));
}

TEST(PollOutcome, IntervalAdaptsOnlyWhenThePollObservedSomething) {
  const IntervalBounds bounds{.min = 60s, .base = 300s, .max = 4h};
  const FetchResponse ok200{.status = 200, .url = kUrl};

  // Ten new items in the 10 minutes since the last success: poll sooner, and say why.
  PollOutcome busy = poll_outcome(polled_before(0), ok200,
                                  PolledItems{.entries = 10, .new_items = 10}, kNow, bounds);
  ASSERT_TRUE(busy.sample);
  EXPECT_EQ(busy.sample->since_last, std::optional(600s));
  ASSERT_TRUE(busy.state.poll_interval);
  EXPECT_LT(*busy.state.poll_interval, 300s);
  ASSERT_EQ(busy.log.size(), 2u);
  EXPECT_EQ(busy.log[1].level, PollLogLine::Level::kDebug);
  EXPECT_TRUE(busy.log[1].text.starts_with("polling every ")) << busy.log[1].text;
  EXPECT_NE(busy.log[1].text.find(" instead of 5m: "), std::string::npos) << busy.log[1].text;

  // The publisher's hints: the longest of ttl, sy:update* and max-age is a floor.
  FetchResponse hinted = ok200;
  hinted.max_age = 30min;
  PollOutcome slow =
      poll_outcome(polled_before(0), hinted,
                   PolledItems{.entries = 10, .ttl = 1h, .update_interval = 2h}, kNow, bounds);
  ASSERT_TRUE(slow.sample);
  EXPECT_EQ(slow.sample->hint, std::optional<std::chrono::seconds>(2h));
  EXPECT_GE(slow.state.poll_interval, std::optional<std::chrono::seconds>(2h));

  FetchResponse not_modified{.status = 304, .url = kUrl, .max_age = 1h};
  PollOutcome cached = poll_outcome(polled_before(0), not_modified, std::nullopt, kNow, bounds);
  ASSERT_TRUE(cached.sample);
  EXPECT_EQ(cached.sample->hint, std::optional<std::chrono::seconds>(1h));

  // A failure observes nothing: the interval stays.
  PollOutcome failed = poll_outcome(polled_before(0), FetchResponse{.status = 500, .url = kUrl},
                                    std::nullopt, kNow, bounds);
  EXPECT_FALSE(failed.sample);
  EXPECT_EQ(failed.state.poll_interval, std::optional(300s));
}

TEST(StateForUrl, AChangedUrlStartsAfreshButKeepsHealth) {
  SourceState stored = polled_before(2);
  stored.url = kMoved;  // followed a permanent redirect
  stored.identity = ItemIdentity::kLink;

  const SourceState same = state_for_url(stored, kUrl);
  EXPECT_EQ(same.url, kMoved);
  EXPECT_EQ(same.etag, "\"old\"");
  EXPECT_EQ(same.identity, ItemIdentity::kLink);
  EXPECT_EQ(same.poll_interval, std::optional(300s));

  const std::string other = "http://other.test/feed.xml";
  const SourceState fresh = state_for_url(stored, other);
  EXPECT_EQ(fresh.config_url, other);
  EXPECT_EQ(fresh.url, other);
  EXPECT_TRUE(fresh.etag.empty());
  EXPECT_TRUE(fresh.last_modified.empty());
  EXPECT_EQ(fresh.identity, ItemIdentity::kId);
  EXPECT_FALSE(fresh.poll_interval.has_value());
  EXPECT_TRUE(fresh.initialized);
  EXPECT_EQ(fresh.consecutive_failures, 2);
  EXPECT_EQ(fresh.last_success, stored.last_success);
}

}  // namespace
}  // namespace nw
