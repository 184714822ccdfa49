// An alert: one rule matching one article. This is what subscribers receive, as
// two ZeroMQ frames: the topic "<watchlist>/<rule>" and the JSON of to_json().
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"

namespace nw {

struct Alert {
  std::uint64_t seq = 0;  // +1 per alert, survives restarts; assigned by the Store
  // The same for the same (watchlist, rule, article) on any daemon: see alert_id().
  // A consumer fed by several daemons drops duplicates by it.
  std::string id;
  std::string watchlist;
  std::string rule;
  std::string source;  // source id
  std::string url;
  std::string title;
  std::optional<std::chrono::sys_seconds> published;
  std::chrono::sys_seconds fetched{};
  std::vector<std::string> matched;  // words as they appear in the article
  std::string snippet;
  std::string severity;  // from the rule; omitted from JSON when empty
  // The article's language (filters/language.h), and "text" when identified
  // from its words or "declared" when as the page says; omitted when unknown.
  std::string language;
  std::string language_from;
  std::vector<std::string> tags;
  // The article's story (filters/story.h): near-duplicate articles share it.
  // Set by the Store when it records the alert; omitted from JSON when empty.
  std::string story;
  std::uint64_t story_size = 0;  // articles seen in the story so far, this one included
  // Distinct sources among them; omitted from JSON when 0 (none known).
  std::uint64_t story_sources = 0;
  // The rule publishes only its first alert in a story; not sent on the wire.
  bool once_per_story = false;
  // Recorded but never published: an earlier copy of the story alerted for
  // the rule already (once_per_story). Only in the stored JSON, which
  // `newswatch alerts --story` prints; replay never sends such an alert.
  bool suppressed = false;
  // The rule's story threshold (filters/watchlist.h); not sent on the wire.
  std::uint32_t min_sources = 0;
  std::chrono::seconds within{0};
  // Set by the Store for a min_sources rule: the story's distinct source ids in
  // the order first seen (on the wire when not empty), and whether the story
  // had not reached the threshold yet (recorded, suppressed; stored JSON only).
  std::vector<std::string> story_source_ids;
  bool held = false;

  std::string topic() const { return watchlist + "/" + rule; }
};

// {"v":1,"id":"5f0c…","seq":42,"watchlist":"libya","rule":"haftar-cairo","source":"alrasifa",
//  "url":"https://...","title":"...","published":"2020-06-03T09:15:00Z"|null,
//  "fetched":"...Z","matched":["حفتر","للقاهرة"],"snippet":"...",
//  "severity":"high","tags":["libya"],"language":"ar","language_from":"text",
//  "story":"9b1c…","story_size":2,"story_sources":2}
std::string to_json(const Alert& alert);
[[nodiscard]] Result<Alert> alert_from_json(std::string_view json);

// A stable alert id: 16 hex digits of a 64-bit FNV-1a hash of the watchlist, the
// rule and the article key (the canonical article URL; see Watcher). It does not
// depend on time, seq or the daemon, so two daemons watching the same source
// give the same id for the same hit.
std::string alert_id(std::string_view watchlist, std::string_view rule,
                     std::string_view article_key);

// An alert as recorded and sent: its seq, its topic frame and the exact JSON
// bytes. Live publishing and replay send these same bytes.
struct RecordedAlert {
  std::uint64_t seq = 0;
  std::string topic;
  std::string json;
};

// A seq as written on the wire and in files: 1 to 20 decimal digits, no sign
// or space, at most 2^64 - 1. nullopt otherwise.
std::optional<std::uint64_t> parse_seq(std::string_view text);

// "2020-06-03T09:15:00Z" (feeds/date.h's format_iso8601, the alert's time format).
std::string format_utc(std::chrono::sys_seconds t);

}  // namespace nw
