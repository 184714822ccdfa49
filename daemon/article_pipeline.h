// The article half of the pipeline: for each item the Store holds as pending,
// fetches its page, turns it into the text the matcher reads
// (filters/page_text.h), matches that against the current rule snapshot,
// gives the article its story (filters/story.h), records the item's story and
// alerts and marks it finished (keeping the text it matched, for backtests,
// when the archive is on) in one Store transaction with the other articles
// finished in the same loop turn (drain()), and hands the new alerts to
// Delivery once that is committed. Owned by the Watcher. Not thread-safe: lives on
// the loop thread that also calls Fetcher::run(). With `workers` > 1 the page
// text, the match and the story signature of each article are worked out on a
// WorkPool (daemon/work_pool.h) and the rest is done when drain() takes the
// result back on the loop thread: an item is recorded finished, with its
// alerts, only then, so a stop meanwhile leaves it pending for the next run.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "daemon/clock.h"
#include "daemon/delivery.h"
#include "daemon/metrics.h"
#include "daemon/robots_cache.h"
#include "daemon/store.h"
#include "daemon/work_pool.h"
#include "feeds/fetcher.h"
#include "filters/language.h"
#include "filters/matcher.h"
#include "filters/story.h"

namespace nw {

struct ArticleOptions {
  // Tries to fetch an article before it is matched on its feed text alone,
  // for failures that may pass (timeouts, connection errors, 5xx, 429). A
  // failure that will not (a refused URL, a body over the size cap, 404, 410)
  // falls back to the feed text at once.
  int max_article_attempts = 3;
  // Keep each item's matched text in the Store's archive ([daemon] keep_articles).
  bool keep_articles = false;
  Metrics* metrics = nullptr;  // fetch times, extraction, store health; may be null
  // Story grouping. The index starts with the Store's articles of the last
  // window; articles older than the window are pruned from the Store hourly.
  StoryOptions stories;
  // Set: articles are fetched only where their site's robots.txt lets this
  // user agent in (daemon/robots_cache.h), for sources whose `robots` is on; a
  // disallowed one is matched on its feed text and counted. Unset: robots.txt
  // is not read.
  std::optional<std::string> robots_user_agent;
  // Threads that extract and match ([daemon] workers); 1: the loop thread does.
  // A worker's result ends the loop's wait in Fetcher::run() (wakeup()).
  std::size_t workers = 1;
};

class ArticlePipeline {
 public:
  // `source_of(source_id)` is the source's config while it is configured,
  // else null (a reload may have removed it while its article was fetched).
  // Keeps references: `fetcher`, `store`, `delivery` and `clock` (and
  // `options.metrics` when set) must outlive the pipeline, and so must
  // whatever `source_of` captures (the Watcher, which owns the pipeline).
  ArticlePipeline(Fetcher& fetcher, Store& store, Delivery& delivery, const Clock& clock,
                  ArticleOptions options,
                  std::function<const SourceConfig*(const std::string&)> source_of);
  ~ArticlePipeline();

  // The rule snapshot the next articles are matched against (may be compiled
  // on another thread; set on the loop thread).
  void set_matcher(std::shared_ptr<const Matcher> matcher);
  void set_keep_articles(bool keep) { options_.keep_articles = keep; }

  // Starts every item of the source that the Store holds as pending and that
  // is not already in flight.
  void start_pending(const std::string& source_id);

  // Records the articles finished since the last call (their story, their
  // alerts; up to kMaxBatch in one transaction), publishes the alerts once
  // that is committed, and fetches the articles that waited for the workers.
  // Returns how many the workers had finished.
  std::size_t drain();

  // Items started and neither finished nor left for the next poll.
  std::size_t in_flight() const { return in_flight_.size(); }
  // Articles handed to the workers and not yet recorded.
  std::size_t with_workers() const { return pool_.in_progress(); }
  std::size_t story_articles() const { return stories_.size(); }

 private:
  template <class F>
  void measure(F&& f) {
    if (options_.metrics) f(*options_.metrics);
  }
  void start(const std::string& source_id, Item item);
  // Fetches the item's page once robots.txt allows it (or matches its feed
  // text when it does not).
  void gate(const std::string& source_id, Item item);
  void fetch(const std::string& source_id, Item item, std::chrono::milliseconds host_spacing);
  void on_article(const std::string& source_id, Item item, Result<FetchResponse> response,
                  std::chrono::steady_clock::time_point fetch_done);
  void restore_stories();
  void prune_stories(std::chrono::sys_seconds now);
  // Hands the item to the pool: its text from `page` (a 200's answer), else
  // from its feed entry, matched with the current matcher, then finish().
  // `fetch_done`: when the article's fetch completed (or, without a page, when
  // processing began), for newswatch_alert_delay_seconds.
  void analyse(const std::string& source_id, Item item, std::optional<FetchResponse> page,
               std::chrono::steady_clock::time_point fetch_done);
  struct Analysis;
  // A finished article waiting for the batch's transaction (flush()).
  struct Finished {
    FinishedItem item;
    std::chrono::steady_clock::time_point fetch_done;
  };
  // Adds the article to the batch that flush() records.
  void finish(const std::string& source_id, const Item& item, Analysis analysis,
              std::chrono::steady_clock::time_point fetch_done);
  void flush();

  // Lets the fetcher start only as many article fetches as the workers have
  // room for (Fetcher::limit_deferrable).
  void hold_fetches();

  // Pages on their way to the workers, per worker: article fetches started
  // and unanswered plus pages handed to the workers and not yet taken back.
  // Past that, article fetches wait unstarted, so the wait is before the
  // fetch, not between the fetch and its alert, and fetch→publish stays
  // short. Started fetches only: a fetch waiting for its host's politeness
  // spacing takes no room (bounding those starved the workers).
  static constexpr std::size_t kPagesPerWorker = 8;
  // Articles recorded in one transaction, at most.
  static constexpr std::size_t kMaxBatch = 64;
  // How long the batch's first article waits for the others, at most.
  static constexpr std::chrono::milliseconds kMaxBatchWait{5};

  Fetcher& fetcher_;
  Store& store_;
  Delivery& delivery_;
  const Clock& clock_;
  ArticleOptions options_;
  std::function<const SourceConfig*(const std::string&)> source_of_;
  std::unique_ptr<RobotsCache> robots_;  // null: robots.txt is not read
  std::shared_ptr<const Matcher> matcher_;
  std::set<std::pair<std::string, std::string>> in_flight_;  // (source id, item key)
  StoryIndex stories_;
  std::chrono::sys_seconds last_story_prune_{};
  std::size_t max_in_work_;      // 0: no bound (one worker: the loop thread matches)
  std::vector<Finished> batch_;  // finished, not yet recorded
  std::chrono::steady_clock::time_point batch_started_{};
  WorkPool pool_;  // last: its workers stop before the rest goes
};

}  // namespace nw
