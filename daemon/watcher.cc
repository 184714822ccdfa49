#include "daemon/watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "daemon/item_identity.h"
#include "feeds/charset.h"
#include "feeds/feed_parser.h"
#include "feeds/url.h"
#include "filters/listing.h"

namespace nw {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

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
                 .robots_user_agent = options.robots_user_agent},
                [this](const std::string& id) { return find_source(id); }) {}

void Watcher::set_sources(std::vector<SourceConfig> sources) {
  std::unordered_map<std::string, SourceConfig> next;
  for (auto& s : sources) next.emplace(s.id, std::move(s));
  std::vector<std::string> added;
  for (const auto& [id, s] : sources_) {
    if (next.contains(id)) continue;
    scheduler_.remove(id);
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
  measure([this](Metrics& m) {
    m.set("newswatch_pending_items", {}, static_cast<double>(articles_.in_flight()));
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
  const SourceState before = state_for_url(std::move(*loaded), source->url);
  const auto now = to_sys_seconds(clock_.now());
  std::optional<Result<PolledItems>> recorded;
  if (response && response->status == 200) {
    auto polled = items_from(*source, *response, before);
    recorded = polled ? record_items(*source, std::move(*polled), before)
                      : std::unexpected(polled.error());
  }
  PollOutcome outcome =
      poll_outcome(before, response, std::move(recorded), now, bounds_of(*source));
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

}  // namespace nw
