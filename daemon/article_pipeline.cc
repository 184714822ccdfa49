#include "daemon/article_pipeline.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "daemon/backtest.h"
#include "daemon/zlib_codec.h"
#include "feeds/url.h"
#include "filters/page_text.h"

namespace nw {
namespace {

// Whether an article that failed this way will fail again however often it is
// asked for: the fetcher refused the URL (kUnsupported, kInvalid), the body is
// over the size cap (kTooLarge), or the server says the page is not there
// (404, 410), will not be (451), or that the request itself is wrong (400,
// 414). Network errors and timeouts (kNetwork), other errors, 5xx, 408, 429
// and any other status may pass.
bool permanent_failure(const Result<FetchResponse>& r) {
  if (!r) {
    const Errc code = r.error().code;
    return code == Errc::kUnsupported || code == Errc::kInvalid || code == Errc::kTooLarge;
  }
  const long s = r->status;
  return s == 400 || s == 404 || s == 410 || s == 414 || s == 451;
}

// The item's own words in its feed, for when its page gives none.
FeedText feed_words(const Item& item) {
  return {.title = item.title,
          .html = item.content.empty() ? item.summary : item.content,
          .language = item.language};
}

}  // namespace

// What a worker makes of an article.
struct ArticlePipeline::Analysis {
  PageText text;
  bool from_page = false;  // the text is the page's (or its feed's, where the page had none)
  std::vector<Hit> hits;
  std::optional<StorySignature> signature;  // from the body alone, which copies share
  std::string compressed;  // the text as the archive keeps it (keep_articles), else empty
};

ArticlePipeline::~ArticlePipeline() = default;

ArticlePipeline::ArticlePipeline(Fetcher& fetcher, Store& store, Delivery& delivery,
                                 const Clock& clock, ArticleOptions options,
                                 std::function<const SourceConfig*(const std::string&)> source_of)
    : fetcher_(fetcher),
      store_(store),
      delivery_(delivery),
      clock_(clock),
      options_(options),
      source_of_(std::move(source_of)),
      stories_(options.stories),
      max_in_work_(options.workers > 1 ? kPagesPerWorker * options.workers : 0),
      pool_(options.workers, [&fetcher] { fetcher.wakeup(); }) {
  if (options_.robots_user_agent) {
    robots_ = std::make_unique<RobotsCache>(
        fetcher_, clock_, RobotsOptions{.user_agent = *options_.robots_user_agent});
  }
  restore_stories();
}

void ArticlePipeline::restore_stories() {
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  auto stored = store_.story_articles(now - options_.stories.window, options_.stories.max_articles);
  if (!stored) {
    spdlog::error("stories: {} (starting with none)", stored.error().message);
    return;
  }
  for (const StoredStoryArticle& a : *stored) {
    if (auto sig = signature_from_bytes(a.signature)) {
      stories_.restore(a.article_key, a.story, *sig, a.seen, a.story_size);
    }
  }
  if (!stored->empty()) spdlog::info("stories: {} articles of the last window", stories_.size());
}

void ArticlePipeline::prune_stories(std::chrono::sys_seconds now) {
  if (now - last_story_prune_ < std::chrono::hours(1)) return;
  last_story_prune_ = now;
  auto n = store_.prune_stories(now - options_.stories.window, 10'000);
  if (!n) {
    spdlog::error("stories: {}", n.error().message);
  } else if (*n > 0) {
    spdlog::debug("stories: forgot {} articles older than story_window", *n);
  }
}

void ArticlePipeline::set_matcher(std::shared_ptr<const Matcher> matcher) {
  matcher_ = std::move(matcher);
}

void ArticlePipeline::start_pending(const std::string& source_id) {
  auto pending = store_.pending_items(source_id);
  if (!pending) {
    spdlog::error("source {}: {}", source_id, pending.error().message);
    return;
  }
  for (Item& item : *pending) start(source_id, std::move(item));
}

void ArticlePipeline::start(const std::string& source_id, Item item) {
  if (!in_flight_.emplace(source_id, item.key).second) return;
  if (item.link.empty()) {
    analyse(source_id, std::move(item), std::nullopt, std::chrono::steady_clock::now());
    return;
  }
  gate(source_id, std::move(item));
}

void ArticlePipeline::gate(const std::string& source_id, Item item) {
  const SourceConfig* source = source_of_(source_id);
  if (source == nullptr) {
    in_flight_.erase({source_id, item.key});
    return;
  }
  if (!robots_ || !source->robots) {
    fetch(source_id, std::move(item), std::chrono::milliseconds(0));
    return;
  }
  const std::string link = item.link;
  const RobotsCache::Answer a = robots_->check(link, source->http);
  switch (a.verdict) {
    case RobotsCache::Verdict::kAllowed:
      fetch(source_id, std::move(item), a.crawl_delay);
      return;
    case RobotsCache::Verdict::kPending:
      robots_->wait(link, [this, source_id, item = std::move(item)]() mutable {
        gate(source_id, std::move(item));
      });
      return;
    case RobotsCache::Verdict::kUnavailable:
      // Still pending in the Store: taken up again after the source's next poll.
      spdlog::debug("source {}: article {} waits for its site's robots.txt", source_id, link);
      in_flight_.erase({source_id, item.key});
      return;
    case RobotsCache::Verdict::kDisallowed:
      break;
  }
  spdlog::debug("source {}: article {} is disallowed by robots.txt; matching the feed's text",
                source_id, link);
  measure([&](Metrics& m) { m.inc("newswatch_robots_disallowed_total", {{"source", source_id}}); });
  if (auto r = store_.count_robots_skipped(source_id); !r) {
    spdlog::error("source {}: {}", source_id, r.error().message);
  }
  analyse(source_id, std::move(item), std::nullopt, std::chrono::steady_clock::now());
}

void ArticlePipeline::fetch(const std::string& source_id, Item item,
                            std::chrono::milliseconds host_spacing) {
  FetchRequest req{.url = item.link, .host_spacing = host_spacing, .deferrable = max_in_work_ > 0};
  // The source's own headers, user agent and proxy ([[source]] http keys).
  if (const SourceConfig* source = source_of_(source_id)) req.http = source->http;
  const auto started = std::chrono::steady_clock::now();
  fetcher_.submit(std::move(req), [this, id = source_id, started,
                                   item = std::move(item)](Result<FetchResponse> r) mutable {
    const auto done = std::chrono::steady_clock::now();
    measure([&](Metrics& m) {
      m.observe("newswatch_fetch_duration_seconds", {{"kind", "article"}},
                std::chrono::duration<double>(done - started).count());
    });
    on_article(id, std::move(item), std::move(r), done);
  });
}

void ArticlePipeline::on_article(const std::string& source_id, Item item,
                                 Result<FetchResponse> response,
                                 std::chrono::steady_clock::time_point fetch_done) {
  if (source_of_(source_id) == nullptr) {
    in_flight_.erase({source_id, item.key});
    return;
  }
  std::string error;
  if (!response) {
    error = response.error().message;
  } else if (response->status != 200) {
    error = "GET " + response->url + ": HTTP " + std::to_string(response->status);
  }
  if (error.empty()) {
    analyse(source_id, std::move(item), std::move(*response), fetch_done);
    return;
  }
  ++item.attempts;
  measure([](Metrics& m) { m.inc("newswatch_extract_failures_total"); });
  if (auto r = store_.record_attempt(source_id, item.key); !r) {
    spdlog::error("source {}: {}", source_id, r.error().message);
  }
  const bool permanent = permanent_failure(response);
  if (permanent || item.attempts >= options_.max_article_attempts) {
    spdlog::warn(
        "source {}: article {}: {} ({}; matching the feed's text instead)", source_id, item.link,
        error,
        permanent ? std::string("will not change") : fmt::format("attempt {}", item.attempts));
    analyse(source_id, std::move(item), std::nullopt, fetch_done);
  } else {
    spdlog::warn("source {}: article {}: {} (attempt {} of {}, retried at the next poll)",
                 source_id, item.link, error, item.attempts, options_.max_article_attempts);
    in_flight_.erase({source_id, item.key});
  }
}

void ArticlePipeline::analyse(const std::string& source_id, Item item,
                              std::optional<FetchResponse> page,
                              std::chrono::steady_clock::time_point fetch_done) {
  // On a worker: only what the job holds (the matcher it started with, even
  // if a reload swaps it meanwhile), nothing of the pipeline's.
  pool_.submit([this, matcher = matcher_, source_id, item = std::move(item), page = std::move(page),
                fetch_done, keep = options_.keep_articles]() mutable -> WorkPool::Continuation {
    Analysis a;
    a.from_page = page.has_value();
    a.text = page ? page_text(
                        {.bytes = page->body, .content_type = page->content_type, .url = page->url},
                        feed_words(item))
                  : feed_text(feed_words(item));
    page.reset();
    std::vector<Token> body_tokens;  // the matcher's, reused for the story signature
    if (matcher) {
      const Document doc{.title = a.text.title,
                         .body = a.text.text,
                         .source = source_id,
                         .language = a.text.language};
      a.hits = matcher->match(doc, body_tokens);
    } else {
      body_tokens = tokenize(a.text.text);
    }
    a.signature = story_signature(body_tokens);
    if (keep) {
      // Off the loop thread: the archive's zlib was a tenth of its time.
      thread_local ZlibCodec zlib;
      if (auto c = zlib.compress(a.text.text)) a.compressed = std::move(*c);  // else the store does
    }
    // Back on the loop thread.
    return [this, source_id = std::move(source_id), item = std::move(item), a = std::move(a),
            fetch_done]() mutable {
      if (source_of_(source_id) == nullptr) {  // removed by a reload meanwhile
        in_flight_.erase({source_id, item.key});
        return;
      }
      if (a.from_page) {
        if (!a.text.reason.empty()) {
          spdlog::debug("source {}: {}: {}; matching the feed's text", source_id, item.link,
                        a.text.reason);
          measure([](Metrics& m) { m.inc("newswatch_extract_failures_total"); });
        } else {
          measure([](Metrics& m) { m.inc("newswatch_articles_extracted_total"); });
        }
      }
      finish(source_id, item, std::move(a), fetch_done);
    };
  });
  hold_fetches();
}

void ArticlePipeline::hold_fetches() {
  if (max_in_work_ == 0) return;
  const std::size_t with_workers = pool_.in_progress();
  fetcher_.limit_deferrable(with_workers >= max_in_work_ ? 0 : max_in_work_ - with_workers);
}

void ArticlePipeline::finish(const std::string& source_id, const Item& item, Analysis analysis,
                             std::chrono::steady_clock::time_point fetch_done) {
  PageText& t = analysis.text;
  std::string article_key = canonical_url(item.link);
  if (article_key.empty()) article_key = source_id + " " + item.key;
  const auto fetched = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now());
  KeptArticle article{
      .source_id = source_id,
      .item_key = item.key,
      .article_key = article_key,
      .url = item.link,
      .title = std::move(t.title),
      .text = std::move(t.text),
      .language = std::move(t.language),
      .published = item.published || !analysis.from_page ? item.published : t.published,
      .kept = fetched};
  std::vector<Alert> alerts;
  alerts.reserve(analysis.hits.size());
  for (Hit& hit : analysis.hits) {
    Alert& a = alerts.emplace_back(alert_for(std::move(hit), article, fetched));
    a.language = article.language;
    a.language_from = language_from_name(t.language_from);
  }
  const std::optional<StorySignature>& signature = analysis.signature;
  const StoryAssignment story = stories_.assign(article_key, signature, fetched);
  StoryArticle in_story{.story = story.story,
                        .signature = signature ? signature_bytes(*signature) : std::string(),
                        .seen = fetched,
                        .title = article.title};
  // Recorded by flush(), with the others of this turn, in one transaction;
  // still in flight until then, so a poll meanwhile does not start it again.
  const auto now = std::chrono::steady_clock::now();
  if (batch_.empty()) batch_started_ = now;
  Finished& f = batch_.emplace_back();
  f.fetch_done = fetch_done;
  f.item = FinishedItem{.source_id = source_id,
                        .key = item.key,
                        .article_key = std::move(article_key),
                        .alerts = std::move(alerts),
                        .story = std::move(in_story)};
  if (options_.keep_articles) {
    f.item.article = std::move(article);
    f.item.compressed = std::move(analysis.compressed);
  }
  // One worker runs this within the fetcher's run(), which may answer many
  // articles before the next drain(): the first of them waits at most this.
  if (batch_.size() >= kMaxBatch || now - batch_started_ >= kMaxBatchWait) flush();
}

void ArticlePipeline::flush() {
  while (!batch_.empty()) {
    const std::size_t n = std::min(batch_.size(), kMaxBatch);
    std::vector<FinishedItem> items;
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) items.push_back(std::move(batch_[i].item));
    auto kept = store_.finish_items(items);
    std::vector<Finished> done(std::make_move_iterator(batch_.begin()),
                               std::make_move_iterator(batch_.begin() + static_cast<long>(n)));
    batch_.erase(batch_.begin(), batch_.begin() + static_cast<long>(n));
    for (const FinishedItem& item : items) in_flight_.erase({item.source_id, item.key});
    prune_stories(std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()));
    if (!kept) {
      // None of them is recorded: they stay pending, taken up again after
      // their source's next poll, as when one article's transaction fails.
      spdlog::error("{} articles: {}", n, kept.error().message);
      measure([&](Metrics& m) { m.store_status(kept.error().message); });
      continue;
    }
    measure([](Metrics& m) { m.store_status(""); });
    bool any = false;
    for (std::size_t i = 0; i < n; ++i) {
      const std::vector<Alert>& alerts = (*kept)[i];
      for (const Alert& a : alerts) {
        if (a.held) {
          spdlog::info(
              "alert #{} {} source={} url={} held, not published: story {} has {} of min_sources "
              "{}",
              a.seq, a.topic(), a.source, a.url, a.story, a.story_source_ids.size(), a.min_sources);
        } else if (a.suppressed) {
          spdlog::info(
              "alert #{} {} source={} url={} recorded, not published: story {} alerted "
              "for this rule already (once_per_story)",
              a.seq, a.topic(), a.source, a.url, a.story);
        }
      }
      any = any || !alerts.empty();
    }
    if (!any) continue;
    delivery_.publish_recorded();  // after the commit: an alert never goes out before it is kept
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      if ((*kept)[i].empty()) continue;
      measure([&](Metrics& m) {
        m.observe("newswatch_alert_delay_seconds", {},
                  std::chrono::duration<double>(now - done[i].fetch_done).count());
      });
    }
  }
}

std::size_t ArticlePipeline::drain() {
  const std::size_t n = pool_.drain();
  flush();
  hold_fetches();  // the workers caught up: fetch what waited for them
  return n;
}

}  // namespace nw
