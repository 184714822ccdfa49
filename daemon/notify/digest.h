// Digests of `newswatch notify`: a channel with `digest = "1h"` or
// `digest = "daily 08:00"` (and `timezone`) sends one message per period with
// the alerts since its last digest, one line per story. The notifier keeps no
// queue: it re-reads the alerts after the channel's cursor from the daemon's
// replay, groups them with group_by_story() and sends when next_digest() is
// reached; an empty period gives no lines and no message. Pure functions on
// values, safe from any thread; the clock is the caller's.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alert.h"
#include "feeds/error.h"

namespace nw {

struct DigestSchedule {
  enum class Kind { kEvery, kDaily };
  Kind kind = Kind::kEvery;
  // kEvery: the period, 1 minute to 24 hours. Boundaries are the multiples of
  // it since the Unix epoch, so "1h" fires on the hour (UTC) and "30m" at :00
  // and :30 UTC, whatever the time zone.
  std::chrono::seconds every{3600};
  // kDaily: the local wall time, in `timezone`.
  int hour = 0;
  int minute = 0;
  // An IANA name (see local_time.h); "UTC" when the config gives none.
  std::string timezone = "UTC";
};

// "1h", "30m", "90m", "2h" (a number and m or h), or "daily HH:MM" (24-hour
// clock, "daily 08:00"), with `timezone` an IANA name or empty for UTC. The
// error says what is wrong and gives an example.
[[nodiscard]] Result<DigestSchedule> parse_digest(std::string_view text, std::string_view timezone);

// The first boundary strictly after `after`. Daily: the next local HH:MM in the
// schedule's zone, through ICU's calendar, so a DST change moves the UTC time.
// A wall time that does not exist that day (skipped by a spring-forward) is
// the first valid moment after it (02:30 in a 02:00→03:00 gap is 03:00); one
// that occurs twice (fall back) is its first occurrence.
std::chrono::sys_seconds next_digest(const DigestSchedule& schedule,
                                     std::chrono::sys_seconds after);

// An alert's time as shown and compared: its article's published date, or when
// it was fetched when the page gave none.
std::chrono::sys_seconds alert_time(const Alert& alert);

// One line of a digest: a story (filters/story.h), or an alert without one.
struct StoryLine {
  std::string story;  // the story id; empty for an alert without a story
  // From the story's earliest alert (by alert_time(), then seq) of the period:
  // the outlet that had it first, and its headline.
  std::string title;
  std::string url;
  std::string first_source;
  std::size_t outlets = 0;            // distinct sources among the period's alerts
  std::size_t alerts = 0;             // alerts of the period in this story
  std::chrono::sys_seconds newest{};  // the latest alert_time() among them
  std::uint64_t story_size = 0;       // the largest story_size among them
  // Distinct, in the order first seen: "watchlist/rule" topics, non-empty
  // severities, matched words.
  std::vector<std::string> rules;
  std::vector<std::string> severities;
  std::vector<std::string> matched;
};

// What a digest message says about itself, besides its lines.
struct DigestInfo {
  // Unique per digest sent, e.g. "digest-desk-1765050000": the mail's
  // Message-ID is made from it (mail.h).
  std::string id;
  std::optional<std::chrono::sys_seconds> since;  // the period shown, when known
  std::chrono::sys_seconds until{};
};

// Groups `alerts` (those of one period, any order) by story, newest first
// (by `newest`, then by the highest seq). An alert without a story is a line
// of its own. No alerts, no lines.
std::vector<StoryLine> group_by_story(std::span<const Alert> alerts);

}  // namespace nw
