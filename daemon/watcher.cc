#include "daemon/watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "daemon/item_identity.h"
#include "feeds/charset.h"
#include "feeds/feed_parser.h"
#include "feeds/sitemap.h"
#include "feeds/url.h"
#include "filters/listing.h"

namespace nw {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Child sitemaps fetched per poll of an index at most; the rest wait for the
// next polls (newest lastmod first), so an index of thousands of monthly
// archives cannot turn one poll into thousands of requests.
constexpr std::size_t kMaxChildrenPerPoll = 50;

const char* kind_label(SourceConfig::Kind kind) {
  switch (kind) {
    case SourceConfig::Kind::kFeed:
      return "feed";
    case SourceConfig::Kind::kHtml:
      return "html";
    case SourceConfig::Kind::kSitemap:
      return "sitemap";
  }
  return "feed";
}

// A sitemap's size cap is the protocol's, whatever [http] max_body says.
FetchRequest request_for(const SourceConfig& source, std::string url) {
  FetchRequest req{.url = std::move(url), .http = source.http};
  if (source.kind == SourceConfig::Kind::kSitemap) req.max_body_bytes = kSitemapMaxBytes;
  return req;
}

std::chrono::sys_seconds to_sys_seconds(TimePoint t) {
  return std::chrono::time_point_cast<seconds>(t);
}

IntervalBounds bounds_of(const SourceConfig& s) {
  return interval_bounds(s.interval, s.min_interval, s.max_interval);
}

spdlog::level::level_enum level_of(PollLogLine::Level level) {
  switch (level) {
    case PollLogLine::Level::kDebug:
      return spdlog::level::debug;
    case PollLogLine::Level::kInfo:
      return spdlog::level::info;
    case PollLogLine::Level::kWarn:
      return spdlog::level::warn;
    case PollLogLine::Level::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

Watcher::Watcher(Fetcher& fetcher, Store& store, Delivery& delivery, const Clock& clock,
                 WatcherOptions options)
    : fetcher_(fetcher),
      store_(store),
      clock_(clock),
      options_(options),
      scheduler_(clock, {.max_backoff = options.max_backoff}),
      articles_(fetcher, store, delivery, clock,
                {.max_article_attempts = options.max_article_attempts,
                 .keep_articles = options.keep_articles,
                 .metrics = options.metrics,
                 .stories = options.stories,
                 .robots_user_agent = options.robots_user_agent,
                 .workers = options.workers},
                [this](const std::string& id) { return find_source(id); }) {}

void Watcher::set_sources(std::vector<SourceConfig> sources) {
  std::unordered_map<std::string, SourceConfig> next;
  for (auto& s : sources) next.emplace(s.id, std::move(s));
  std::vector<std::string> added;
  for (const auto& [id, s] : sources_) {
    if (next.contains(id)) continue;
    scheduler_.remove(id);
    sitemap_children_.erase(id);
    set_failures(id, std::nullopt);
    measure([&id](Metrics& m) { m.forget("source", id); });
  }
  for (const auto& [id, s] : next) {
    auto old = sources_.find(id);
    const bool changed = old == sources_.end() || old->second.url != s.url ||
                         old->second.interval != s.interval || old->second.kind != s.kind ||
                         old->second.min_interval != s.min_interval ||
                         old->second.max_interval != s.max_interval;
    if (!changed && scheduler_.contains(id)) continue;
    std::optional<TimePoint> due;
    const IntervalBounds bounds = bounds_of(s);
    seconds interval = bounds.base;
    if (auto state = store_.source(id); state && state->config_url == s.url) {
      if (state->disabled) {
        spdlog::warn("source {}: disabled after an earlier error ({}); change its url to retry", id,
                     state->last_error);
        continue;
      }
      if (state->next_poll) due = TimePoint(*state->next_poll);
      if (state->poll_interval)
        interval = std::clamp(*state->poll_interval, bounds.min, bounds.max);
    }
    if (!s.robots && options_.robots_user_agent) {
      spdlog::warn("source {}: robots = false: its articles are fetched whatever robots.txt says",
                   id);
    }
    scheduler_.add(id, interval, due);
    added.push_back(id);
  }
  sources_ = std::move(next);
  // Items left unfinished by an earlier run are taken up now, not at the next poll.
  for (const auto& id : added) articles_.start_pending(id);
}

void Watcher::set_matcher(std::shared_ptr<const Matcher> matcher) {
  articles_.set_matcher(std::move(matcher));
}

const SourceConfig* Watcher::find_source(const std::string& id) const {
  auto it = sources_.find(id);
  return it == sources_.end() ? nullptr : &it->second;
}

SourcesSummary Watcher::sources_summary() const { return summary_; }

// Keeps summary_ in step with failures_: the daemon asks for it every loop turn,
// and counting thousands of sources each time cost ~3 % of its CPU under load.
void Watcher::set_failures(const std::string& id, std::optional<int> consecutive) {
  auto count = [this](int failures, int delta) {
    (failures > 0 ? summary_.failing : summary_.ok) += delta;
  };
  if (auto it = failures_.find(id); it != failures_.end()) {
    count(it->second, -1);
    if (!consecutive) failures_.erase(it);
  }
  if (consecutive) {
    failures_[id] = *consecutive;
    count(*consecutive, +1);
  }
}

milliseconds Watcher::tick() {
  articles_.drain();
  measure([this](Metrics& m) {
    m.set("newswatch_pending_items", {}, static_cast<double>(articles_.in_flight()));
    m.set("newswatch_worker_queue", {}, static_cast<double>(articles_.with_workers()));
    m.set("newswatch_story_articles", {}, static_cast<double>(articles_.story_articles()));
  });
  for (const std::string& id : scheduler_.take_due()) {
    if (const SourceConfig* s = find_source(id)) poll(*s);
  }
  return std::min(scheduler_.until_next().value_or(milliseconds(1000)), milliseconds(1000));
}

void Watcher::poll(const SourceConfig& source) {
  auto state = store_.source(source.id);
  if (!state) {
    spdlog::error("source {}: {}", source.id, state.error().message);
    scheduler_.finish(source.id, false, 1);
    return;
  }
  // A stored URL differs from the configured one only after a permanent
  // redirect of that configured URL; a changed config starts afresh.
  FetchRequest req = request_for(
      source, state->config_url == source.url && !state->url.empty() ? state->url : source.url);
  if (state->url == req.url) {
    req.etag = state->etag;
    req.last_modified = state->last_modified;
  }
  const std::string id = source.id;
  const char* kind = kind_label(source.kind);
  const auto started = std::chrono::steady_clock::now();
  fetcher_.submit(std::move(req), [this, id, kind, started](Result<FetchResponse> r) {
    measure([&](Metrics& m) {
      m.observe("newswatch_fetch_duration_seconds", {{"kind", kind}},
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    });
    on_poll(id, std::move(r));
  });
}

void Watcher::on_poll(const std::string& source_id, Result<FetchResponse> response) {
  const SourceConfig* source = find_source(source_id);
  if (source == nullptr) return;  // removed by a reload meanwhile
  auto loaded = store_.source(source_id);
  if (!loaded) {
    // As in poll(): without the stored state, saving one would overwrite its
    // validators and its identity (which only ever degrades) with defaults.
    // The answer is dropped; the next poll asks again.
    spdlog::error("source {}: {}", source_id, loaded.error().message);
    scheduler_.finish(source_id, false, 1);
    return;
  }
  const SourceState before = state_for_url(std::move(*loaded), source->url);
  std::optional<Result<PolledItems>> recorded;
  if (source->kind == SourceConfig::Kind::kSitemap && response &&
      (response->status == 200 || response->status == 304)) {
    if (on_sitemap(*source, before, response, recorded)) return;  // its children answer later
  } else if (response && response->status == 200) {
    auto polled = items_from(*source, *response, before);
    recorded = polled ? record_items(*source, std::move(*polled), before)
                      : std::unexpected(polled.error());
  }
  conclude(*source, before, response, std::move(recorded));
}

void Watcher::conclude(const SourceConfig& source, const SourceState& before,
                       const Result<FetchResponse>& response,
                       std::optional<Result<PolledItems>> recorded) {
  const std::string& source_id = source.id;
  const auto now = to_sys_seconds(clock_.now());
  PollOutcome outcome = poll_outcome(before, response, std::move(recorded), now, bounds_of(source));
  for (const PollLogLine& line : outcome.log) {
    spdlog::log(level_of(line.level), "source {}: {}", source_id, line.text);
  }
  SourceState& state = outcome.state;
  if (outcome.sample) scheduler_.set_interval(source_id, *state.poll_interval);
  if (state.disabled) {
    scheduler_.remove(source_id);
  } else {
    const TimePoint next =
        scheduler_.finish(source_id, outcome.ok(), state.consecutive_failures, outcome.retry_after);
    state.next_poll = to_sys_seconds(next);
    if (!outcome.ok()) {
      spdlog::warn("source {}: {} (failure {}, next poll in {})", source_id, outcome.error,
                   state.consecutive_failures,
                   describe_duration(duration_cast<seconds>(next - clock_.now())));
    }
  }
  if (auto saved = store_.save_source(source_id, state); !saved) {
    spdlog::error("source {}: {}", source_id, saved.error().message);
    measure([&](Metrics& m) { m.store_status(saved.error().message); });
  }
  set_failures(source_id, state.consecutive_failures);
  measure([&](Metrics& m) {
    const Metrics::Labels src = {{"source", source_id}};
    const int added = outcome.sample ? outcome.sample->new_items : 0;
    m.inc("newswatch_polls_total", {{"source", source_id},
                                    {"result", !outcome.ok() ? "error"
                                               : added > 0   ? "new"
                                                             : "not_modified"}});
    if (added > 0) m.inc("newswatch_items_total", src, added);
    m.set("newswatch_source_consecutive_failures", src, state.consecutive_failures);
    if (state.last_success) {
      m.set("newswatch_source_last_success_timestamp_seconds", src,
            static_cast<double>(state.last_success->time_since_epoch().count()));
    }
  });
  articles_.start_pending(source_id);
}

Result<Watcher::Polled> Watcher::items_from(const SourceConfig& source, const FetchResponse& r,
                                            const SourceState& state) {
  Polled out;
  PolledItems& seen = out.seen;
  seen.identity = state.identity;  // unchanged by a listing page: its items are keyed by link
  if (source.kind == SourceConfig::Kind::kFeed) {
    // Relative links resolve against xml:base, then Content-Location, then the feed's URL.
    auto feed = parse_feed(
        r.body,
        {.url = r.url, .content_type = r.content_type, .content_location = r.content_location});
    if (!feed) return std::unexpected(feed.error());
    for (const auto& w : feed->warnings) spdlog::debug("source {}: {}", source.id, w);
    seen.ttl = feed->ttl;
    seen.update_interval = feed->update_interval;
    if (!feed->bozo.empty()) {
      // A charset repair (feeds/charset.h) is no XML problem: say which it was.
      seen.degraded = feed->bozo.starts_with("charset: ")
                          ? "degraded: repaired damaged text: " + feed->bozo.substr(9)
                          : "degraded: recovered from ill-formed XML: " + feed->bozo;
    }
    ItemIdentity used = state.identity;
    std::vector<std::string> keys = item_keys(feed->entries, state.identity, used);
    std::vector<std::string> links;
    links.reserve(feed->entries.size());
    for (const auto& e : feed->entries) links.push_back(canonical_url(e.link));
    if (used == ItemIdentity::kId && state.initialized) {
      auto known = store_.keys_for_links(source.id, links);
      if (!known) return std::unexpected(known.error());
      if (const ReissuedIds reissued = reissued_ids(keys, links, *known); reissued.majority()) {
        spdlog::info("source {}: {} of {} known articles came back under new ids", source.id,
                     reissued.reissued, reissued.with_known_link);
        keys = item_keys(feed->entries, ItemIdentity::kLink, used);
      }
    }
    if (used != state.identity) {
      spdlog::info("source {}: its item ids cannot be trusted; items are now told apart by {}",
                   source.id, identity_name(used));
    }
    seen.identity = used;
    out.items.reserve(feed->entries.size());
    for (std::size_t i = 0; i < feed->entries.size(); ++i) {
      FeedEntry& e = feed->entries[i];
      auto published = e.published ? e.published : e.updated;
      if (published) seen.dates.push_back(*published);
      Item& item = out.items.emplace_back(Item{.key = std::move(keys[i]),
                                               .link = std::move(e.link),
                                               .title = std::move(e.title),
                                               .summary = std::move(e.summary),
                                               .content = std::move(e.content),
                                               .published = published,
                                               .canonical_link = std::move(links[i])});
      item.digest = digest(item);
    }
  } else {
    const Decoded page = decode_to_utf8(r.body, r.content_type, DocType::kHtml);
    for (auto& link : find_article_links(page.text, r.url)) {
      std::string canonical = canonical_url(link.url);
      Item& item = out.items.emplace_back(Item{.key = "link:" + canonical,
                                               .link = std::move(link.url),
                                               .title = std::move(link.title),
                                               .canonical_link = std::move(canonical)});
      item.digest = digest(item);
    }
  }
  seen.entries = out.items.size();
  return out;
}

Result<PolledItems> Watcher::record_items(const SourceConfig& source, Polled polled,
                                          const SourceState& state) {
  if (polled.seen.identity != state.identity) {
    // Items recorded under their old keys are not new under the new ones.
    std::vector<std::string> links;
    for (const Item& item : polled.items) links.push_back(item.canonical_link);
    auto known = store_.keys_for_links(source.id, links);
    if (!known) return std::unexpected(known.error());
    std::unordered_set<std::string_view> seen_links;
    for (const auto& [link, key] : *known) seen_links.insert(link);
    std::vector<Item> seen;
    for (const Item& item : polled.items) {
      if (seen_links.contains(item.canonical_link)) seen.push_back(item);
    }
    if (auto r = store_.add_items(source.id, seen, /*finished=*/true); !r) {
      return std::unexpected(r.error());
    }
  }
  const bool finished = !state.initialized && !source.backlog;
  auto added = store_.add_items(source.id, polled.items, finished);
  if (!added) return std::unexpected(added.error());
  if (source.realert_on_edit && state.initialized) {
    auto edited = store_.requeue_edited(source.id, polled.items);
    if (!edited) return std::unexpected(edited.error());
    for (const Item& item : *edited) {
      spdlog::info("source {}: {} was edited; matching it again", source.id,
                   item.link.empty() ? item.key : item.link);
    }
  }
  polled.seen.new_items = static_cast<int>(added->size());
  return std::move(polled.seen);
}

void Watcher::add_sitemap_urls(const SourceConfig& source, const std::string& url,
                               std::vector<SitemapUrl> urls, Polled& into) {
  const std::size_t listed = urls.size();
  SitemapItems found = sitemap_items(std::move(urls), to_sys_seconds(clock_.now()), source.max_age);
  spdlog::debug("source {}: {}: {} URLs, {} within max_age {}, {} older, {} undated (skipped)",
                source.id, url, listed, found.items.size(), describe_duration(source.max_age),
                found.too_old, found.undated);
  for (Item& item : found.items) into.items.push_back(std::move(item));
  into.seen.dates.insert(into.seen.dates.end(), found.dates.begin(), found.dates.end());
}

bool Watcher::on_sitemap(const SourceConfig& source, const SourceState& before,
                         Result<FetchResponse>& response,
                         std::optional<Result<PolledItems>>& recorded) {
  SitemapChildMemos& memos = sitemap_children_[source.id];
  Polled polled;
  polled.seen.identity = before.identity;  // sitemap items are keyed by link
  std::vector<SitemapChild> due;
  if (response->status == 200) {
    auto sitemap = parse_sitemap(response->body,
                                 {.url = response->url, .content_type = response->content_type});
    if (!sitemap) {
      recorded = std::unexpected(sitemap.error());
      return false;
    }
    for (const auto& w : sitemap->warnings) {
      // The protocol's limit is worth the operator's eye; the rest is detail.
      if (sitemap->dropped > 0 && &w == &sitemap->warnings.back()) {
        spdlog::warn("source {}: {}", source.id, w);
      } else {
        spdlog::debug("source {}: {}", source.id, w);
      }
    }
    if (!sitemap->bozo.empty()) {
      polled.seen.degraded = sitemap->bozo.starts_with("charset: ")
                                 ? "degraded: repaired damaged text: " + sitemap->bozo.substr(9)
                                 : "degraded: recovered from ill-formed XML: " + sitemap->bozo;
    }
    if (!sitemap->index) {
      memos.clear();
      add_sitemap_urls(source, response->url, std::move(sitemap->urls), polled);
      polled.seen.entries = polled.items.size();
      recorded = record_items(source, std::move(polled), before);
      return false;
    }
    const ChildrenDue d = children_due(sitemap->children, memos, to_sys_seconds(clock_.now()),
                                       source.max_age, kMaxChildrenPerPoll);
    std::erase_if(memos, [&](const auto& m) {
      return std::none_of(sitemap->children.begin(), sitemap->children.end(),
                          [&](const SitemapChild& c) { return c.loc == m.first; });
    });
    spdlog::debug("source {}: sitemap index of {} children: {} due, {} unchanged, {} too old",
                  source.id, sitemap->children.size(), d.due.size(), d.unchanged, d.too_old);
    if (d.deferred > 0) {
      spdlog::info("source {}: {} more child sitemaps are due; the next polls fetch them",
                   source.id, d.deferred);
    }
    due = d.due;
  } else {
    // 304: the index is as it was, but a child without a lastmod may have changed.
    for (const auto& [url, memo] : memos) {
      if (memo.lastmod.empty()) due.push_back(SitemapChild{.loc = url});
    }
  }
  if (due.empty()) {
    if (response->status == 200) recorded = record_items(source, std::move(polled), before);
    return false;
  }
  SitemapPoll& poll = sitemap_polls_[source.id];
  poll = SitemapPoll{.before = before,
                     .index = std::move(response),
                     .pending = due.size(),
                     .asked = due.size(),
                     .polled = std::move(polled)};
  if (poll.index) poll.index->body.clear();
  for (const SitemapChild& child : due) {
    FetchRequest req = request_for(source, child.loc);
    if (auto m = memos.find(child.loc); m != memos.end()) {
      req.etag = m->second.etag;
      req.last_modified = m->second.last_modified;
    }
    fetcher_.submit(std::move(req), [this, id = source.id, url = child.loc,
                                     lastmod = child.lastmod_text](Result<FetchResponse> r) {
      on_sitemap_child(id, url, lastmod, std::move(r));
    });
  }
  return true;
}

void Watcher::on_sitemap_child(const std::string& source_id, const std::string& url,
                               const std::string& lastmod, Result<FetchResponse> response) {
  auto it = sitemap_polls_.find(source_id);
  if (it == sitemap_polls_.end()) return;
  SitemapPoll& poll = it->second;
  const SourceConfig* source = find_source(source_id);
  auto failed = [&](std::string why) {
    if (poll.failed++ == 0) poll.first_error = std::move(why);
  };
  if (source != nullptr) {
    SitemapChildMemos& memos = sitemap_children_[source_id];
    if (!response) {
      failed(response.error().message);
    } else if (response->status == 304) {
      memos[url].lastmod = lastmod;
    } else if (response->status != 200) {
      failed("GET " + url + ": HTTP " + std::to_string(response->status));
    } else if (auto sitemap = parse_sitemap(
                   response->body, {.url = response->url, .content_type = response->content_type});
               !sitemap) {
      failed(url + ": " + sitemap.error().message);
    } else if (sitemap->index) {
      failed(url + ": a sitemap index listed in a sitemap index (followed one level only)");
    } else {
      if (sitemap->dropped > 0)
        spdlog::warn("source {}: {}: {}", source_id, url, sitemap->warnings.back());
      if (!sitemap->bozo.empty() && poll.polled.seen.degraded.empty()) {
        poll.polled.seen.degraded =
            "degraded: child sitemap " + url + " recovered from ill-formed XML: " + sitemap->bozo;
      }
      add_sitemap_urls(*source, url, std::move(sitemap->urls), poll.polled);
      memos[url] = SitemapChildMemo{
          .lastmod = lastmod, .etag = response->etag, .last_modified = response->last_modified};
    }
  }
  if (--poll.pending > 0) return;
  SitemapPoll done = std::move(poll);
  sitemap_polls_.erase(it);
  if (source == nullptr) return;  // removed by a reload meanwhile
  auto loaded = store_.source(source_id);
  if (!loaded) {
    spdlog::error("source {}: {}", source_id, loaded.error().message);
    scheduler_.finish(source_id, false, 1);
    return;
  }
  if (done.failed > 0) {
    // The index answered: the poll is degraded, not failed; those children
    // keep their old lastmod and are asked again at the next poll.
    const std::string why = std::to_string(done.failed) + " of " + std::to_string(done.asked) +
                            " child sitemaps failed: " + done.first_error;
    // The outcome logs it (as a recovered document's problem is logged).
    if (done.polled.seen.degraded.empty()) {
      done.polled.seen.degraded = "degraded: " + why;
    } else {
      spdlog::warn("source {}: {}", source_id, why);
    }
  }
  // A URL listed by two children is one item.
  std::unordered_set<std::string> keys;
  std::erase_if(done.polled.items, [&](const Item& i) { return !keys.insert(i.key).second; });
  done.polled.seen.entries = done.polled.items.size();
  const bool index_changed = done.index && done.index->status == 200;
  std::optional<Result<PolledItems>> recorded =
      record_items(*source, std::move(done.polled), done.before);
  if (!index_changed && *recorded && (*recorded)->new_items > 0) {
    // A 304's outcome reads no items: say here what the children brought.
    spdlog::info("source {}: {} new items from its child sitemaps", source_id,
                 (*recorded)->new_items);
  } else if (!index_changed && !*recorded) {
    spdlog::error("source {}: {}", source_id, (*recorded).error().message);
  }
  conclude(*source, done.before, done.index, std::move(recorded));
}

}  // namespace nw
