// The pipeline: polls each source when the Scheduler says so, turns feed
// entries and listing-page links into items, fetches each new item's article,
// extracts its text, matches it against the current rule snapshot, records the
// alerts in the Store and hands them to Delivery (daemon/delivery.h). Everything it knows
// survives in the Store, so a restart repeats no alert and loses none.
// Item identity degrades per source and is persisted (see item_keys); each
// source's interval adapts to its publishing rate within its bounds (fixed at
// `interval` unless the config sets them). The log gets one info line per poll
// that changed something (new items, a recovery) and a warning per failure.
// Not thread-safe: lives on the loop thread that also calls Fetcher::run().
// set_matcher() may take a snapshot compiled on another thread.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/config.h"
#include "daemon/clock.h"
#include "daemon/delivery.h"
#include "daemon/metrics.h"
#include "daemon/scheduler.h"
#include "daemon/store.h"
#include "feeds/feed.h"
#include "feeds/fetcher.h"
#include "filters/matcher.h"

namespace nw {

struct WatcherOptions {
  // Tries to fetch an article before it is matched on its feed text alone,
  // for failures that may pass (timeouts, connection errors, 5xx, 429). A
  // failure that will not (a refused URL, a body over the size cap, 404, 410)
  // falls back to the feed text at once.
  int max_article_attempts = 3;
  std::chrono::seconds max_backoff{3600};
  Metrics* metrics = nullptr;  // polls, fetch times, items, extraction; may be null
};

// How the sources fared at their last poll, for the one-line service status.
struct SourcesSummary {
  int ok = 0;
  int failing = 0;
};

class Watcher {
 public:
  Watcher(Fetcher& fetcher, Store& store, Delivery& delivery, const Clock& clock,
          WatcherOptions options);

  // Replaces the set of sources (at start and on reload). Sources keep their
  // stored state; new ones are due at once (or at their stored next poll).
  void set_sources(std::vector<SourceConfig> sources);
  void set_matcher(std::shared_ptr<const Matcher> matcher);

  // Starts due polls. Returns how long the loop may wait in Fetcher::run()
  // before calling tick() again.
  std::chrono::milliseconds tick();

  SourcesSummary sources_summary() const;

 private:
  // What a 200 response held.
  struct Polled {
    std::vector<Item> items;
    std::vector<std::chrono::sys_seconds> dates;  // of the feed's items, for adaptive polling
    std::optional<std::chrono::seconds> hint;     // the feed's ttl / sy:update*
    bool identity_changed = false;                // state.identity degraded on this poll
    // Why the document was only partly usable (a feed recovered from ill-formed
    // or cut-off XML); empty when it was clean.
    std::string degraded;
  };
  void poll(const SourceConfig& source);
  // Records a figure when metrics are on.
  template <class F>
  void measure(F&& f) {
    if (options_.metrics) f(*options_.metrics);
  }
  void on_poll(const std::string& source_id, Result<FetchResponse> response);
  // Returns the items found in a 200 response, or an error message. May degrade
  // state.identity (ids or links shown untrustworthy).
  Result<Polled> items_from(const SourceConfig& source, const FetchResponse& response,
                            SourceState& state);
  // Records a 200's items; returns how many were new. Error: a message.
  Result<int> record_items(const SourceConfig& source, Polled& polled, const SourceState& state);
  void start_pending(const SourceConfig& source);
  void start_item(const SourceConfig& source, Item item);
  void on_article(const std::string& source_id, Item item, Result<FetchResponse> response);
  void finish_item(const SourceConfig& source, const Item& item, std::string title,
                   std::string text, std::string language,
                   std::optional<std::chrono::sys_seconds> published);
  const SourceConfig* find_source(const std::string& id) const;

  Fetcher& fetcher_;
  Store& store_;
  Delivery& delivery_;
  const Clock& clock_;
  WatcherOptions options_;
  Scheduler scheduler_;
  std::unordered_map<std::string, SourceConfig> sources_;
  std::shared_ptr<const Matcher> matcher_;
  std::set<std::pair<std::string, std::string>> in_flight_;  // (source id, item key)
  std::unordered_map<std::string, int> failures_;            // source id -> consecutive
};

// The identity of feed entries within their feed: the guid/id when the feed's
// ids are trustworthy (present and unique), else the canonical link, else a
// hash of title and summary.
std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries);

// The same, for a source whose stored identity is `at_least`: never a better
// kind than that; `used` says which kind was used. The Watcher also degrades a
// source from ids to links when a majority of the entries whose links it knows
// come back under new ids (a feed that regenerates its guids).
std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries, ItemIdentity at_least,
                                   ItemIdentity& used);

}  // namespace nw
