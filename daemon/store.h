// The daemon's memory: per-source state (URL, HTTP validators, health), the items
// seen per source and whether each is finished, and the alerts with their
// sequence numbers, and the archive of the text recent items were matched on
// (for backtests and rule lookback). A restart repeats no alert and loses none: an item's alerts
// are recorded and the item marked finished in one transaction, and alerts stay
// "unpublished" until the publisher has sent them.
// Not thread-safe: use one Store from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/alert.h"
#include "daemon/poll_history.h"
#include "feeds/error.h"

namespace nw {

// How a source's items are keyed (daemon/item_identity.h). A source starts trusting
// its feed's ids and only ever degrades, once it has shown they cannot be trusted.
enum class ItemIdentity { kId = 0, kLink = 1, kHash = 2 };

struct SourceState {
  std::string config_url;  // the configured URL this state belongs to
  std::string url;         // URL polled: config_url, or where a 301/308 moved it
  std::string etag;
  std::string last_modified;
  bool initialized = false;  // the first successful poll has recorded its items
  bool disabled = false;     // e.g. after 410 Gone
  int consecutive_failures = 0;
  std::optional<std::chrono::sys_seconds> last_success;
  std::optional<std::chrono::sys_seconds> last_attempt;
  std::string last_error;  // empty after a success
  std::optional<std::chrono::sys_seconds> next_poll;
  ItemIdentity identity = ItemIdentity::kId;
  std::optional<std::chrono::seconds> poll_interval;  // current adaptive interval
  PollHistory polls;                                  // the last day's polls, by hour
};

// An entry discovered in a source (feed entry or listing link).
struct Item {
  std::string key;   // identity within the source: guid, canonical link or content hash
  std::string link;  // article URL, may be empty
  std::string title;
  std::string summary;  // from the feed: used when the article itself cannot be fetched
  std::string content;
  std::optional<std::chrono::sys_seconds> published;
  int attempts = 0;            // failed tries to fetch the article so far
  std::string canonical_link;  // canonical_url(link): finds the item under another key
  std::string digest;          // of the feed's title, summary and content: tells an edit
  std::string language;        // as the source declares it (a news sitemap's news:language), or ""
};

// A rule lookback's progress (daemon/lookback.h), kept so a restart resumes
// it where it stopped.
struct LookbackProgress {
  std::string watchlist;
  std::string rule;
  std::chrono::sys_seconds since{};  // the window's start, fixed when the run began
  std::int64_t cursor = 0;           // the last kept article id matched (kept_articles' `after`)
  std::uint64_t searched = 0;
  std::uint64_t alerts = 0;
};

struct SourceCounts {
  std::uint64_t items = 0;
  std::uint64_t alerts = 0;
  std::uint64_t robots_skipped = 0;  // articles robots.txt disallowed (matched on feed text)
};

// The story an article was given (filters/story.h's StoryIndex), to record
// with the article in finish_item.
struct StoryArticle {
  std::string story;
  std::string signature;  // signature_bytes(); empty for a text too short to group
  std::chrono::sys_seconds seen{};
  std::string title;  // the article's; kept as the story's title when it starts one
};

// An article as recorded in its story, to rebuild the StoryIndex at start-up.
struct StoredStoryArticle {
  std::string article_key;
  std::string story;
  std::string signature;  // signature_bytes()
  std::chrono::sys_seconds seen{};
  std::uint64_t story_size = 0;  // the story's size as recorded now
};

// A story as `newswatch stories --top` lists it.
struct StorySummary {
  std::string story;
  std::uint64_t sources = 0;   // distinct sources of its articles (0: none known)
  std::uint64_t articles = 0;  // its size
  std::chrono::sys_seconds first_seen{};
  std::chrono::sys_seconds last_seen{};
  std::string title;  // its first article's; empty for a story recorded before version 6
};

// An item as the matcher read it, kept for `keep_articles` so that a rule can be
// tried on recent news (daemon/backtest.h): the extracted text, not yet
// normalized, so a later match is the daemon's match byte for byte (the
// normalization depends on each rule's options, and snippets are cut from
// this text).
struct KeptArticle {
  std::int64_t id = 0;  // set by the store: keeping order, a cursor for kept_articles
  std::string source_id;
  std::string item_key;
  std::string article_key;  // the alerts' dedup key (canonical URL, or source and key)
  std::string url;
  std::string title;
  std::string text;
  std::string language;
  std::optional<std::chrono::sys_seconds> published;
  std::chrono::sys_seconds kept{};  // when it was matched
};

struct AlertLog {
  std::uint64_t last_seq = 0;               // the last seq assigned, kept across pruning
  std::optional<std::uint64_t> oldest_seq;  // none when no alert is kept
};

// One item for Store::finish_items: what finish_item or (with `article`)
// finish_and_keep takes. `compressed` is `article->text` as the archive keeps
// it (ZlibCodec::compress, worked out off the store's thread); empty: the store
// compresses it.
struct FinishedItem {
  std::string source_id;
  std::string key;
  std::string article_key;
  std::vector<Alert> alerts;
  std::optional<KeptArticle> article;
  std::string compressed;
  std::optional<StoryArticle> story;
};

class Store {
 public:
  virtual ~Store() = default;

  // The stored state, or a default SourceState for a source never seen.
  [[nodiscard]] virtual Result<SourceState> source(std::string_view source_id) = 0;
  [[nodiscard]] virtual Result<void> save_source(std::string_view source_id,
                                                 const SourceState& state) = 0;

  // Records the items whose key this source has not recorded before and returns
  // them, in input order. With `finished` they are stored as already processed
  // (the backlog of a source whose backlog is turned off).
  [[nodiscard]] virtual Result<std::vector<Item>> add_items(std::string_view source_id,
                                                            std::span<const Item> items,
                                                            bool finished) = 0;
  // (canonical link, key) of every item this source recorded with one of `links`.
  [[nodiscard]] virtual Result<std::vector<std::pair<std::string, std::string>>> keys_for_links(
      std::string_view source_id, std::span<const std::string> links) = 0;
  // Of `items`, those recorded before with another non-empty digest (edited
  // since): their stored content and digest are replaced, they are pending
  // again with no attempts, and they are returned. A recorded item without a
  // digest just gets this one. Unknown keys are ignored.
  [[nodiscard]] virtual Result<std::vector<Item>> requeue_edited(std::string_view source_id,
                                                                 std::span<const Item> items) = 0;
  // Items recorded but not finished, oldest first (after a restart: the work left).
  [[nodiscard]] virtual Result<std::vector<Item>> pending_items(std::string_view source_id) = 0;
  // Counts one more failed attempt on a pending item.
  [[nodiscard]] virtual Result<void> record_attempt(std::string_view source_id,
                                                    std::string_view key) = 0;
  // Counts one more article of the source that robots.txt disallowed.
  [[nodiscard]] virtual Result<void> count_robots_skipped(std::string_view source_id) = 0;

  // In one transaction: keeps the alerts whose (watchlist, rule, article_key) was
  // never alerted before, gives each the next sequence number, stores them as
  // unpublished, and marks the item finished. Returns the kept alerts, with seq.
  // With `story`: the article is recorded in its story (once per article_key;
  // a key recorded before keeps its first story), the story's size counts it,
  // its source is counted among the story's distinct sources, and every alert
  // carries the story, its size and its sources. An alert of a
  // once_per_story rule whose story already holds a published-or-to-publish
  // alert of that rule is kept as suppressed: recorded with its seq, never
  // published nor replayed, listed by story_alerts.
  [[nodiscard]] virtual Result<std::vector<Alert>> finish_item(
      std::string_view source_id, std::string_view key, std::string_view article_key,
      std::vector<Alert> alerts, const std::optional<StoryArticle>& story = std::nullopt) = 0;
  // The articles recorded in stories since `since` that have a signature, the
  // newest `limit` of them, oldest first.
  [[nodiscard]] virtual Result<std::vector<StoredStoryArticle>> story_articles(
      std::chrono::sys_seconds since, std::size_t limit) = 0;
  // The stories with an article seen since `since`, most sources first (then
  // most articles, newest), at most `limit`.
  [[nodiscard]] virtual Result<std::vector<StorySummary>> top_stories(
      std::chrono::sys_seconds since, std::size_t limit) = 0;
  // Every alert recorded for `story`, suppressed ones included, in seq order,
  // at most `limit` (`newswatch alerts --story`).
  [[nodiscard]] virtual Result<std::vector<RecordedAlert>> story_alerts(std::string_view story,
                                                                        std::size_t limit) = 0;
  // Forgets at most `limit` articles seen before `seen_before`, and the
  // stories none of whose articles were seen since; returns how many articles went.
  [[nodiscard]] virtual Result<std::size_t> prune_stories(std::chrono::sys_seconds seen_before,
                                                          std::size_t limit) = 0;
  // finish_item, and in the same transaction keeps `article` in the archive
  // (replacing what was kept of the same item before, e.g. an edited one).
  [[nodiscard]] virtual Result<std::vector<Alert>> finish_and_keep(
      std::string_view source_id, std::string_view key, std::string_view article_key,
      std::vector<Alert> alerts, const KeptArticle& article,
      const std::optional<StoryArticle>& story = std::nullopt) = 0;
  // finish_item (or finish_and_keep) of every item, in order, in one
  // transaction: all are recorded or, on an error, none. Returns each item's
  // kept alerts, in input order.
  [[nodiscard]] virtual Result<std::vector<std::vector<Alert>>> finish_items(
      std::span<FinishedItem> items) = 0;
  // Records alerts found later for an item already finished (a rule's lookback
  // over kept articles) like finish_item does, without touching the item: the
  // ones whose (watchlist, rule, article_key) never alerted get the next seqs,
  // with the story the article was given when it was finished.
  [[nodiscard]] virtual Result<std::vector<Alert>> record_alerts(std::string_view source_id,
                                                                 std::string_view key,
                                                                 std::string_view article_key,
                                                                 std::vector<Alert> alerts) = 0;
  // Kept articles with id > `after` kept at or after `since`, in id order, at
  // most `limit`, their text decompressed. `after` = 0 starts at the window's
  // first article (found through an index); then pass the last id read.
  [[nodiscard]] virtual Result<std::vector<KeptArticle>> kept_articles(
      std::chrono::sys_seconds since, std::int64_t after, std::size_t limit) = 0;
  // Deletes at most `limit` kept articles kept before `kept_before`, oldest
  // first, in one short transaction; returns how many went.
  [[nodiscard]] virtual Result<std::size_t> prune_articles(std::chrono::sys_seconds kept_before,
                                                           std::size_t limit) = 0;
  // Alerts recorded but not yet handed to the publisher, in seq order, at most `limit`.
  [[nodiscard]] virtual Result<std::vector<RecordedAlert>> unpublished_alerts(
      std::size_t limit) = 0;
  // Marks the alerts handed to the publisher, all in one transaction (the
  // publisher sends a batch, then this marks it: a kill in between resends
  // them with their seq after the restart, which subscribers skip). An
  // unknown seq is kInvalid and marks none.
  [[nodiscard]] virtual Result<void> mark_published(std::span<const std::uint64_t> seqs) = 0;
  [[nodiscard]] Result<void> mark_published(std::uint64_t seq) {
    return mark_published(std::span<const std::uint64_t>(&seq, 1));
  }
  // Recorded alerts with seq > `after` whose topic starts with `topic_prefix`
  // ("" = all), in seq order, at most `limit`: replay for a subscriber that was
  // away (the replay socket, `newswatch alerts`). Suppressed alerts are not
  // among them: they were never published, so replay does not send them.
  [[nodiscard]] virtual Result<std::vector<RecordedAlert>> alerts_since(
      std::uint64_t after, std::string_view topic_prefix, std::size_t limit) = 0;
  // The newest recorded alerts with seq < `before` whose topic starts with
  // `topic_prefix`, newest first, at most `limit`; suppressed ones are not
  // among them (as for alerts_since). The Atom feed of alerts pages with it.
  [[nodiscard]] virtual Result<std::vector<RecordedAlert>> latest_alerts(
      std::uint64_t before, std::string_view topic_prefix, std::size_t limit) = 0;
  // The last seq assigned (0 before the first alert) and the oldest still kept.
  [[nodiscard]] virtual Result<AlertLog> alert_log() = 0;
  // Deletes at most `limit` published alerts recorded before `recorded_before`,
  // oldest first, in one short transaction; returns how many went.
  [[nodiscard]] virtual Result<std::size_t> prune_alerts(std::chrono::sys_seconds recorded_before,
                                                         std::size_t limit) = 0;
  // Per topic ("watchlist/rule"): the alerts recorded since `since`, suppressed
  // ones left out (the pages' rules page).
  [[nodiscard]] virtual Result<std::map<std::string, std::uint64_t, std::less<>>> topic_counts(
      std::chrono::sys_seconds since) = 0;
  // Per source id: items recorded and alerts recorded (for `newswatch status`).
  [[nodiscard]] virtual Result<std::map<std::string, SourceCounts, std::less<>>>
  source_counts() = 0;
  // Lookbacks not finished, by (watchlist, rule): saved as they progress,
  // ended when done, listed at start-up in the order they were begun.
  [[nodiscard]] virtual Result<void> save_lookback(const LookbackProgress& progress) = 0;
  [[nodiscard]] virtual Result<void> end_lookback(std::string_view watchlist,
                                                  std::string_view rule) = 0;
  [[nodiscard]] virtual Result<std::vector<LookbackProgress>> lookbacks() = 0;
};

enum class OpenMode {
  kReadWrite,  // the daemon: creates `dir` and the database when missing, migrates
  kReadOnly,   // the tools: never creates or changes anything; safe while the daemon runs
};

// Opens the SQLite database `dir`/newswatch.db. Read-write creates it (and
// `dir`) when missing; read-only fails when it does not exist, saying so, and
// every write then fails. Messages name the path.
[[nodiscard]] Result<std::unique_ptr<Store>> open_sqlite_store(
    const std::filesystem::path& dir, OpenMode mode = OpenMode::kReadWrite);

}  // namespace nw
