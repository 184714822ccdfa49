#include "daemon/watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "feeds/charset.h"
#include "feeds/feed_parser.h"
#include "feeds/url.h"
#include "filters/listing.h"
#include "filters/page_text.h"

namespace nw {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string fnv1a_hex(std::string_view a, std::string_view b) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  mix(a);
  mix("\x1f");
  mix(b);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::chrono::sys_seconds to_sys_seconds(TimePoint t) {
  return std::chrono::time_point_cast<seconds>(t);
}

const char* identity_name(ItemIdentity i) {
  switch (i) {
    case ItemIdentity::kId:
      return "ids";
    case ItemIdentity::kLink:
      return "links";
    case ItemIdentity::kHash:
      return "content hashes";
  }
  return "?";
}

std::string digest(const Item& item) {
  return fnv1a_hex(item.title, item.summary + "\x1f" + item.content);
}

IntervalBounds bounds_of(const SourceConfig& s) {
  return interval_bounds(s.interval, s.min_interval, s.max_interval);
}

std::optional<seconds> longest(std::optional<seconds> a, std::optional<seconds> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

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
  return {.title = item.title, .html = item.content.empty() ? item.summary : item.content};
}

}  // namespace

std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries) {
  ItemIdentity used;
  return item_keys(entries, ItemIdentity::kId, used);
}

std::vector<std::string> item_keys(const std::vector<FeedEntry>& entries, ItemIdentity at_least,
                                   ItemIdentity& used) {
  std::unordered_set<std::string_view> ids;
  bool ids_ok = at_least == ItemIdentity::kId;
  for (const auto& e : entries) {
    if (!ids_ok) break;
    if (e.id.empty() || !ids.insert(e.id).second) {
      ids_ok = false;
      break;
    }
  }
  std::unordered_set<std::string> links;
  bool links_ok = at_least != ItemIdentity::kHash;
  for (const auto& e : entries) {
    if (!links_ok) break;
    const std::string c = canonical_url(e.link);
    if (c.empty() || !links.insert(c).second) {
      links_ok = false;
      break;
    }
  }
  used = ids_ok ? ItemIdentity::kId : links_ok ? ItemIdentity::kLink : ItemIdentity::kHash;
  std::vector<std::string> keys;
  keys.reserve(entries.size());
  for (const auto& e : entries) {
    if (ids_ok) {
      keys.push_back("id:" + e.id);
    } else if (links_ok) {
      keys.push_back("link:" + canonical_url(e.link));
    } else {
      keys.push_back("hash:" + fnv1a_hex(e.title, e.summary.empty() ? e.content : e.summary));
    }
  }
  return keys;
}

Watcher::Watcher(Fetcher& fetcher, Store& store, Delivery& delivery, const Clock& clock,
                 WatcherOptions options)
    : fetcher_(fetcher),
      store_(store),
      delivery_(delivery),
      clock_(clock),
      options_(options),
      scheduler_(clock, {.max_backoff = options.max_backoff}) {}

void Watcher::set_sources(std::vector<SourceConfig> sources) {
  std::unordered_map<std::string, SourceConfig> next;
  for (auto& s : sources) next.emplace(s.id, std::move(s));
  std::vector<std::string> added;
  for (const auto& [id, s] : sources_) {
    if (next.contains(id)) continue;
    scheduler_.remove(id);
    failures_.erase(id);
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
    scheduler_.add(id, interval, due);
    added.push_back(id);
  }
  sources_ = std::move(next);
  // Items left unfinished by an earlier run are taken up now, not at the next poll.
  for (const auto& id : added) start_pending(sources_.at(id));
}

void Watcher::set_matcher(std::shared_ptr<const Matcher> matcher) { matcher_ = std::move(matcher); }

const SourceConfig* Watcher::find_source(const std::string& id) const {
  auto it = sources_.find(id);
  return it == sources_.end() ? nullptr : &it->second;
}

SourcesSummary Watcher::sources_summary() const {
  SourcesSummary s;
  for (const auto& [id, source] : sources_) {
    auto it = failures_.find(id);
    if (it != failures_.end() && it->second > 0) {
      ++s.failing;
    } else if (it != failures_.end()) {
      ++s.ok;
    }
  }
  return s;
}

milliseconds Watcher::tick() {
  measure([this](Metrics& m) {
    m.set("newswatch_pending_items", {}, static_cast<double>(in_flight_.size()));
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
  FetchRequest req;
  // A stored URL differs from the configured one only after a permanent
  // redirect of that configured URL; a changed config starts afresh.
  req.url = source.url;
  if (state->config_url == source.url && !state->url.empty()) req.url = state->url;
  if (state->url == req.url) {
    req.etag = state->etag;
    req.last_modified = state->last_modified;
  }
  const std::string id = source.id;
  const char* kind = source.kind == SourceConfig::Kind::kFeed ? "feed" : "html";
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
  SourceState state = std::move(*loaded);
  if (state.config_url != source->url) {
    // New source, or its configured URL changed: forget redirects and validators.
    state.config_url = state.url = source->url;
    state.etag.clear();
    state.last_modified.clear();
    state.identity = ItemIdentity::kId;
    state.poll_interval.reset();
  }
  const auto now = to_sys_seconds(clock_.now());
  state.last_attempt = now;
  std::optional<seconds> retry_after;
  std::string error;
  bool disable = false;
  std::optional<PollSample> sample;  // set when the poll observed something
  std::size_t entries = 0;           // in a 200's document
  std::string degraded;              // a 200's document was recovered, not clean

  if (!response) {
    error = response.error().message;
  } else {
    FetchResponse& r = *response;
    retry_after = r.retry_after;
    if (r.moved_to && *r.moved_to != state.url) {
      spdlog::info("source {}: {} moved permanently to {}", source_id, state.url, *r.moved_to);
      state.url = *r.moved_to;
    }
    std::optional<seconds> since_last;
    if (state.last_success) since_last = now - *state.last_success;
    if (r.status == 304) {
      // Nothing new.
      sample = PollSample{.modified = false, .since_last = since_last, .hint = r.max_age};
    } else if (r.status == 200) {
      const ItemIdentity identity = state.identity;
      auto polled = items_from(*source, r, state);
      auto added = polled ? record_items(*source, *polled, state) : std::unexpected(polled.error());
      if (!added) {
        error = added.error().message;
        state.identity = identity;  // decided again, with its bookkeeping, next time
      } else {
        entries = polled->items.size();
        degraded = std::move(polled->degraded);
        state.initialized = true;
        // Validators are stored only once the items are safely recorded.
        state.etag = r.etag;
        state.last_modified = r.last_modified;
        sample = PollSample{.new_items = *added,
                            .since_last = since_last,
                            .item_dates = std::move(polled->dates),
                            .hint = longest(polled->hint, r.max_age)};
      }
    } else if (r.status == 410) {
      error = "GET " + r.url + ": HTTP 410 Gone; source disabled";
      disable = true;
    } else {
      error = "GET " + r.url + ": HTTP " + std::to_string(r.status);
    }
  }

  const bool ok = error.empty();
  if (ok) {
    // One info line when the poll changed something (new items, a recovery);
    // a poll that brought nothing new is only worth a debug line.
    std::string news;
    if (state.consecutive_failures > 0) {
      news = "recovered after " + std::to_string(state.consecutive_failures) +
             (state.consecutive_failures == 1 ? " failure" : " failures");
    }
    if (sample && sample->new_items > 0) {
      news += (news.empty() ? "" : "; ") + std::to_string(sample->new_items) + " new of " +
              std::to_string(entries) + (entries == 1 ? " item" : " items");
    }
    if (!news.empty()) {
      spdlog::info("source {}: {}", source_id, news);
    } else if (sample) {
      spdlog::debug("source {}: {}", source_id,
                    sample->modified ? "nothing new in " + std::to_string(entries) + " items"
                                     : std::string("not modified"));
    }
    state.consecutive_failures = 0;
    state.last_success = now;
    // A recovered document is a success that `newswatch sources` still shows
    // (as last_error), logged once per change. A 304 keeps the last verdict.
    if (!degraded.empty()) {
      if (degraded != state.last_error) spdlog::warn("source {}: {}", source_id, degraded);
      state.last_error = std::move(degraded);
    } else if (!(response && response->status == 304 &&
                 state.last_error.starts_with("degraded: "))) {
      if (state.last_error.starts_with("degraded: "))
        spdlog::info("source {}: its feed is well-formed again", source_id);
      state.last_error.clear();
    }
    if (sample) {
      const IntervalBounds bounds = bounds_of(*source);
      const seconds current = state.poll_interval.value_or(bounds.base);
      const AdaptedInterval next = adapt_interval(current, bounds, *sample, now);
      if (next.interval != current) {
        spdlog::debug("source {}: polling every {} instead of {}: {}", source_id,
                      describe_duration(next.interval), describe_duration(current), next.reason);
      }
      state.poll_interval = next.interval;
      scheduler_.set_interval(source_id, next.interval);
    }
  } else {
    ++state.consecutive_failures;
    state.last_error = error;
  }
  state.disabled = disable;
  if (disable) {
    scheduler_.remove(source_id);
    state.next_poll.reset();
    spdlog::error("source {}: {}", source_id, error);
  } else {
    const TimePoint next =
        scheduler_.finish(source_id, ok, state.consecutive_failures, retry_after);
    state.next_poll = to_sys_seconds(next);
    if (!ok) {
      spdlog::warn("source {}: {} (failure {}, next poll in {})", source_id, error,
                   state.consecutive_failures,
                   describe_duration(duration_cast<seconds>(next - clock_.now())));
    }
  }
  if (auto saved = store_.save_source(source_id, state); !saved) {
    spdlog::error("source {}: {}", source_id, saved.error().message);
    measure([&](Metrics& m) { m.store_status(saved.error().message); });
  }
  failures_[source_id] = state.consecutive_failures;
  measure([&](Metrics& m) {
    const Metrics::Labels src = {{"source", source_id}};
    const int added = sample ? sample->new_items : 0;
    m.inc("newswatch_polls_total", {{"source", source_id},
                                    {"result", !ok         ? "error"
                                               : added > 0 ? "new"
                                                           : "not_modified"}});
    if (added > 0) m.inc("newswatch_items_total", src, added);
    m.set("newswatch_source_consecutive_failures", src, state.consecutive_failures);
    if (state.last_success) {
      m.set("newswatch_source_last_success_timestamp_seconds", src,
            static_cast<double>(state.last_success->time_since_epoch().count()));
    }
  });
  start_pending(*source);
}

Result<Watcher::Polled> Watcher::items_from(const SourceConfig& source, const FetchResponse& r,
                                            SourceState& state) {
  Polled out;
  if (source.kind == SourceConfig::Kind::kFeed) {
    // Relative links resolve against xml:base, then Content-Location, then the feed's URL.
    std::string base = r.url;
    if (!r.content_location.empty()) {
      if (std::string located = resolve_url(r.url, r.content_location); !located.empty())
        base = located;
    }
    auto feed = parse_feed(r.body, {.url = base, .content_type = r.content_type});
    if (!feed) return std::unexpected(feed.error());
    for (const auto& w : feed->warnings) spdlog::debug("source {}: {}", source.id, w);
    if (!feed->bozo.empty())
      out.degraded = "degraded: recovered from ill-formed XML: " + feed->bozo;
    out.hint = longest(feed->ttl, feed->update_interval);
    ItemIdentity used = state.identity;
    std::vector<std::string> keys = item_keys(feed->entries, state.identity, used);
    std::vector<std::string> links;
    links.reserve(feed->entries.size());
    for (const auto& e : feed->entries) links.push_back(canonical_url(e.link));
    if (used == ItemIdentity::kId && state.initialized) {
      // Across polls: entries whose link is known under another id. A majority
      // of them means the feed makes up new ids for old items.
      auto known = store_.keys_for_links(source.id, links);
      if (!known) return std::unexpected(known.error());
      std::unordered_map<std::string_view, std::unordered_set<std::string_view>> by_link;
      for (const auto& [link, key] : *known) by_link[link].insert(key);
      int with_known_link = 0;
      int reissued = 0;
      for (std::size_t i = 0; i < keys.size(); ++i) {
        auto it = by_link.find(links[i]);
        if (it == by_link.end()) continue;
        ++with_known_link;
        reissued += !it->second.contains(keys[i]);
      }
      if (reissued > 0 && 2 * reissued > with_known_link) {
        spdlog::info("source {}: {} of {} known articles came back under new ids", source.id,
                     reissued, with_known_link);
        keys = item_keys(feed->entries, ItemIdentity::kLink, used);
      }
    }
    if (used != state.identity) {
      spdlog::info("source {}: its item ids cannot be trusted; items are now told apart by {}",
                   source.id, identity_name(used));
      state.identity = used;
      out.identity_changed = true;
    }
    out.items.reserve(feed->entries.size());
    for (std::size_t i = 0; i < feed->entries.size(); ++i) {
      FeedEntry& e = feed->entries[i];
      auto published = e.published ? e.published : e.updated;
      if (published) out.dates.push_back(*published);
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
  return out;
}

Result<int> Watcher::record_items(const SourceConfig& source, Polled& polled,
                                  const SourceState& state) {
  if (polled.identity_changed) {
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
  return static_cast<int>(added->size());
}

void Watcher::start_pending(const SourceConfig& source) {
  auto pending = store_.pending_items(source.id);
  if (!pending) {
    spdlog::error("source {}: {}", source.id, pending.error().message);
    return;
  }
  for (Item& item : *pending) start_item(source, std::move(item));
}

void Watcher::start_item(const SourceConfig& source, Item item) {
  if (!in_flight_.emplace(source.id, item.key).second) return;
  if (item.link.empty()) {
    PageText t = feed_text(feed_words(item));
    finish_item(source, item, std::move(t.title), std::move(t.text), "", item.published);
    return;
  }
  const std::string id = source.id;
  FetchRequest req{.url = item.link};
  const auto started = std::chrono::steady_clock::now();
  fetcher_.submit(std::move(req), [this, id, started,
                                   item = std::move(item)](Result<FetchResponse> r) mutable {
    measure([&](Metrics& m) {
      m.observe("newswatch_fetch_duration_seconds", {{"kind", "article"}},
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    });
    on_article(id, std::move(item), std::move(r));
  });
}

void Watcher::on_article(const std::string& source_id, Item item, Result<FetchResponse> response) {
  const SourceConfig* source = find_source(source_id);
  if (source == nullptr) {
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
    PageText t = page_text(
        {.bytes = response->body, .content_type = response->content_type, .url = response->url},
        feed_words(item));
    if (!t.reason.empty()) {
      spdlog::debug("source {}: {}: {}; matching the feed's text", source_id, item.link, t.reason);
      measure([](Metrics& m) { m.inc("newswatch_extract_failures_total"); });
    } else {
      measure([](Metrics& m) { m.inc("newswatch_articles_extracted_total"); });
    }
    finish_item(*source, item, std::move(t.title), std::move(t.text), std::move(t.language),
                item.published ? item.published : t.published);
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
    PageText t = feed_text(feed_words(item));
    finish_item(*source, item, std::move(t.title), std::move(t.text), "", item.published);
  } else {
    spdlog::warn("source {}: article {}: {} (attempt {} of {}, retried at the next poll)",
                 source_id, item.link, error, item.attempts, options_.max_article_attempts);
    in_flight_.erase({source_id, item.key});
  }
}

void Watcher::finish_item(const SourceConfig& source, const Item& item, std::string title,
                          std::string text, std::string language,
                          std::optional<std::chrono::sys_seconds> published) {
  std::string article_key = canonical_url(item.link);
  if (article_key.empty()) article_key = source.id + " " + item.key;
  std::vector<Alert> alerts;
  if (matcher_) {
    const Document doc{.title = title, .body = text, .source = source.id, .language = language};
    const auto fetched = to_sys_seconds(clock_.now());
    for (Hit& hit : matcher_->match(doc)) {
      alerts.push_back(Alert{.id = alert_id(hit.watchlist, hit.rule, article_key),
                             .watchlist = std::move(hit.watchlist),
                             .rule = std::move(hit.rule),
                             .source = source.id,
                             .url = item.link,
                             .title = title,
                             .published = published,
                             .fetched = fetched,
                             .matched = std::move(hit.matched),
                             .snippet = std::move(hit.snippet),
                             .severity = std::move(hit.severity),
                             .tags = std::move(hit.tags)});
    }
  }
  auto kept = store_.finish_item(source.id, item.key, article_key, std::move(alerts));
  in_flight_.erase({source.id, item.key});
  if (!kept) {
    spdlog::error("source {}: {}", source.id, kept.error().message);
    measure([&](Metrics& m) { m.store_status(kept.error().message); });
    return;
  }
  measure([](Metrics& m) { m.store_status(""); });
  if (!kept->empty()) delivery_.publish_recorded();
}

}  // namespace nw
