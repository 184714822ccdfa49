// The pipeline: polls each source when the Scheduler says so, turns feed
// entries and listing-page links into items, fetches each new item's article,
// extracts its text, matches it against the current rule snapshot, records the
// alerts in the Store and hands them to the Publisher. Everything it knows
// survives in the Store, so a restart repeats no alert and loses none.
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
#include "daemon/publisher.h"
#include "daemon/scheduler.h"
#include "daemon/store.h"
#include "feeds/feed.h"
#include "feeds/fetcher.h"
#include "filters/matcher.h"

namespace nw {

struct WatcherOptions {
  // Tries to fetch an article before it is matched on its feed text alone.
  int max_article_attempts = 3;
  // No alert goes out before this long after start: subscribers that connect
  // as the daemon starts would miss them (ZeroMQ's slow joiner).
  std::chrono::milliseconds publish_grace{1000};
  std::chrono::seconds max_backoff{3600};
};

class Watcher {
 public:
  Watcher(Fetcher& fetcher, Store& store, Publisher& publisher, const Clock& clock,
          WatcherOptions options);

  // Replaces the set of sources (at start and on reload). Sources keep their
  // stored state; new ones are due at once (or at their stored next poll).
  void set_sources(std::vector<SourceConfig> sources);
  void set_matcher(std::shared_ptr<const Matcher> matcher);

  // Starts due polls and publishes recorded alerts. Returns how long the loop
  // may wait in Fetcher::run() before calling tick() again.
  std::chrono::milliseconds tick();

  // Alerts published since start (for logs and tests).
  std::uint64_t alerts_published() const { return alerts_published_; }

 private:
  struct Job;  // one item being processed
  void poll(const SourceConfig& source);
  void on_poll(const std::string& source_id, Result<FetchResponse> response);
  // Returns the items found in a 200 response, or an error message.
  Result<std::vector<Item>> items_from(const SourceConfig& source, const FetchResponse& response);
  void start_pending(const SourceConfig& source);
  void start_item(const SourceConfig& source, Item item);
  void on_article(const std::string& source_id, Item item, Result<FetchResponse> response);
  void finish_item(const SourceConfig& source, const Item& item, std::string title,
                   std::string text, std::string language,
                   std::optional<std::chrono::sys_seconds> published);
  void publish_recorded();
  const SourceConfig* find_source(const std::string& id) const;

  Fetcher& fetcher_;
  Store& store_;
  Publisher& publisher_;
  const Clock& clock_;
  WatcherOptions options_;
  Scheduler scheduler_;
  std::unordered_map<std::string, SourceConfig> sources_;
  std::shared_ptr<const Matcher> matcher_;
  std::set<std::pair<std::string, std::string>> in_flight_;  // (source id, item key)
  TimePoint started_;
  bool unpublished_ = true;  // the store may hold alerts not yet published
  std::uint64_t alerts_published_ = 0;
};

// The identity of feed entries within their feed: the guid/id when the feed's
// ids are trustworthy (present and unique), else the canonical link, else a
// hash of title and summary.
std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries);

}  // namespace nw
