// The pipeline's orchestration: polls each source when the Scheduler says so,
// turns feed entries and listing-page links into items keyed as the source's
// identity allows (daemon/item_identity.h), records the new ones in the Store,
// updates the source's health from the answer (daemon/poll_outcome.h) and hands
// the pending items to the ArticlePipeline (daemon/article_pipeline.h), which
// matches them and gives the alerts to Delivery. Everything it knows survives
// in the Store, so a restart repeats no alert and loses none. Each source's
// interval adapts to its publishing rate within its bounds (fixed at `interval`
// unless the config sets them). The log gets one info line per poll that
// changed something (new items, a recovery) and a warning per failure.
// Not thread-safe: lives on the loop thread that also calls Fetcher::run().
// set_matcher() may take a snapshot compiled on another thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "daemon/article_pipeline.h"
#include "daemon/clock.h"
#include "daemon/delivery.h"
#include "daemon/metrics.h"
#include "daemon/poll_outcome.h"
#include "daemon/scheduler.h"
#include "daemon/sitemap_items.h"
#include "daemon/store.h"
#include "feeds/feed.h"
#include "feeds/fetcher.h"
#include "filters/matcher.h"
#include "filters/story.h"

namespace nw {

struct WatcherOptions {
  int max_article_attempts = 3;  // see ArticleOptions
  bool keep_articles = false;    // see ArticleOptions
  std::chrono::seconds max_backoff{3600};
  Metrics* metrics = nullptr;  // polls, fetch times, items, extraction; may be null
  StoryOptions stories;        // see ArticleOptions
  std::optional<std::string> robots_user_agent;  // see ArticleOptions
  std::size_t workers = 1;                       // see ArticleOptions
};

// How the sources fared at their last poll, for the one-line service status.
struct SourcesSummary {
  int ok = 0;
  int failing = 0;
};

class Watcher {
 public:
  // Keeps references to all four: `fetcher`, `store`, `delivery` and `clock`
  // must outlive the Watcher, and so must `options.metrics` when set. The
  // Watcher owns its Scheduler and ArticlePipeline.
  Watcher(Fetcher& fetcher, Store& store, Delivery& delivery, const Clock& clock,
          WatcherOptions options);

  // Replaces the set of sources (at start and on reload). Sources keep their
  // stored state; new ones are due at once (or at their stored next poll).
  void set_sources(std::vector<SourceConfig> sources);
  void set_matcher(std::shared_ptr<const Matcher> matcher);
  void set_keep_articles(bool keep) { articles_.set_keep_articles(keep); }

  // Records what the workers finished, then starts due polls. Returns how long the loop may wait in
  // Fetcher::run() before calling tick() again.
  std::chrono::milliseconds tick();

  SourcesSummary sources_summary() const;

 private:
  // What a 200 response held: its items, and what the poll's outcome needs to know of them.
  struct Polled {
    std::vector<Item> items;
    PolledItems seen;  // new_items is set by record_items()
  };
  void poll(const SourceConfig& source);
  // Records a figure when metrics are on.
  template <class F>
  void measure(F&& f) {
    if (options_.metrics) f(*options_.metrics);
  }
  void on_poll(const std::string& source_id, Result<FetchResponse> response);
  // The rest of a poll once its items are known (`recorded`, for a 200): the
  // outcome, the log, the next poll, the stored state, the metrics.
  void conclude(const SourceConfig& source, const SourceState& before,
                const Result<FetchResponse>& response, std::optional<Result<PolledItems>> recorded);
  // A sitemap source's 200 or 304: a <urlset>'s items are recorded at once
  // (into `recorded`, false returned); an index's children that are due are
  // fetched, and the poll concludes when the last one answers (true returned,
  // `response` moved from).
  bool on_sitemap(const SourceConfig& source, const SourceState& before,
                  Result<FetchResponse>& response, std::optional<Result<PolledItems>>& recorded);
  void on_sitemap_child(const std::string& source_id, const std::string& url,
                        const std::string& lastmod, Result<FetchResponse> response);
  // Adds the URLs within source.max_age to `into`, and says at debug what was left out.
  void add_sitemap_urls(const SourceConfig& source, const std::string& url,
                        std::vector<SitemapUrl> urls, Polled& into);
  // Returns the items found in a 200 response, or an error message. They may
  // be keyed worse than state.identity (ids or links shown untrustworthy).
  Result<Polled> items_from(const SourceConfig& source, const FetchResponse& response,
                            const SourceState& state);
  // Records a 200's items in the Store. Error: a message.
  Result<PolledItems> record_items(const SourceConfig& source, Polled polled,
                                   const SourceState& state);
  const SourceConfig* find_source(const std::string& id) const;

  Fetcher& fetcher_;
  Store& store_;
  const Clock& clock_;
  WatcherOptions options_;
  Scheduler scheduler_;
  std::unordered_map<std::string, SourceConfig> sources_;
  // Sitemap indexes: per source, the children fetched (their lastmod and
  // validators; kept in memory, so a restart fetches each once more), and the
  // polls waiting for their children's answers.
  struct SitemapPoll {
    SourceState before;
    Result<FetchResponse> index;  // the index's own answer, without its body
    std::size_t pending = 0;
    std::size_t asked = 0;
    std::size_t failed = 0;
    std::string first_error;
    Polled polled;
  };
  std::unordered_map<std::string, SitemapChildMemos> sitemap_children_;
  std::unordered_map<std::string, SitemapPoll> sitemap_polls_;
  ArticlePipeline articles_;
  // Consecutive failures per source polled at least once; summary_ counts them.
  void set_failures(const std::string& id, std::optional<int> consecutive);
  std::unordered_map<std::string, int> failures_;
  SourcesSummary summary_;
};

}  // namespace nw
