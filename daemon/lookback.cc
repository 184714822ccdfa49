// Rule lookback (daemon/lookback.h).
#include "daemon/lookback.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "daemon/alert.h"
#include "daemon/backtest.h"

namespace nw {
namespace {

Result<std::shared_ptr<const Matcher>> compile_alone(const Watchlist& w, const Rule& r) {
  const Watchlist alone{.name = w.name, .file = w.file, .rules = {r}};
  return Matcher::compile(std::span(&alone, 1));
}

}  // namespace

Result<std::vector<LookbackRule>> added_lookback_rules(std::span<const Watchlist> previous,
                                                       std::span<const Watchlist> next) {
  // The rules that look back are few; the others, a million on a large desk,
  // are only scanned: no set of every rule's name is built beside them.
  struct Candidate {
    std::string_view watchlist, rule;
    const Watchlist* list;
    const Rule* r;
    std::size_t order;  // in `next`
    bool known = false;
  };
  std::vector<Candidate> candidates;
  for (const Watchlist& w : next) {
    for (const Rule& r : w.rules)
      if (r.lookback) candidates.push_back({w.name, r.id, &w, &r, candidates.size()});
  }
  if (candidates.empty()) return std::vector<LookbackRule>();
  auto key = [](const Candidate& c) { return std::pair(c.watchlist, c.rule); };
  std::ranges::sort(candidates, {}, key);
  for (const Watchlist& w : previous) {
    for (const Rule& r : w.rules) {
      const std::pair<std::string_view, std::string_view> name(w.name, r.id);
      auto it = std::ranges::lower_bound(candidates, name, {}, key);
      for (; it != candidates.end() && key(*it) == name; ++it) it->known = true;
    }
  }
  // In the order of `next`, as before.
  std::ranges::sort(candidates, {}, &Candidate::order);
  std::vector<LookbackRule> added;
  for (const Candidate& c : candidates) {
    if (c.known) continue;
    auto matcher = compile_alone(*c.list, *c.r);
    if (!matcher) return std::unexpected(matcher.error());
    added.push_back(LookbackRule{
        .watchlist = c.list->name, .rule = c.r->id, .window = *c.r->lookback, .matcher = *matcher});
  }
  return added;
}

Lookback::Lookback(Store& store, Delivery& delivery, const Clock& clock, std::size_t batch)
    : store_(store), delivery_(delivery), clock_(clock), batch_(batch) {}

void Lookback::add(LookbackRule rule) {
  const auto since = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - rule.window);
  spdlog::info("lookback {}/{}: matching the articles kept since {}", rule.watchlist, rule.rule,
               format_utc(since));
  Run run{.progress = {.watchlist = std::move(rule.watchlist),
                       .rule = std::move(rule.rule),
                       .since = since},
          .matcher = std::move(rule.matcher)};
  if (auto saved = store_.save_lookback(run.progress); !saved) {
    spdlog::error("lookback {}/{}: {} (a restart will not resume it)", run.progress.watchlist,
                  run.progress.rule, saved.error().message);
  }
  runs_.push_back(std::move(run));
}

void Lookback::resume(std::span<const Watchlist> running) {
  auto saved = store_.lookbacks();
  if (!saved) {
    spdlog::error("lookbacks left unfinished cannot be resumed: {}", saved.error().message);
    return;
  }
  auto forget = [this](const LookbackProgress& p, std::string_view why) {
    spdlog::warn("lookback {}/{}: left unfinished, not resumed: {}", p.watchlist, p.rule, why);
    end(p);
  };
  for (LookbackProgress& p : *saved) {
    const Watchlist* list = nullptr;
    const Rule* rule = nullptr;
    for (const Watchlist& w : running) {
      for (const Rule& r : w.rules) {
        if (w.name == p.watchlist && r.id == p.rule && r.lookback) {
          list = &w;
          rule = &r;
        }
      }
    }
    if (!rule) {
      forget(p, "the config no longer has the rule with a lookback");
      continue;
    }
    auto matcher = compile_alone(*list, *rule);
    if (!matcher) {
      forget(p, matcher.error().message);
      continue;
    }
    spdlog::info("lookback {}/{}: resuming the articles kept since {}, {} searched so far",
                 p.watchlist, p.rule, format_utc(p.since), p.searched);
    runs_.push_back(Run{.progress = std::move(p), .matcher = std::move(*matcher)});
  }
}

void Lookback::end(const LookbackProgress& p) {
  if (auto ended = store_.end_lookback(p.watchlist, p.rule); !ended)
    spdlog::error("lookback {}/{}: {}", p.watchlist, p.rule, ended.error().message);
}

void Lookback::drop_front() {
  end(runs_.front().progress);
  runs_.pop_front();
}

std::chrono::milliseconds Lookback::tick() {
  if (runs_.empty()) return std::chrono::hours(1);
  Run& run = runs_.front();
  LookbackProgress& p = run.progress;
  bool recorded = false;
  auto batch = backtest_batch(
      store_, *run.matcher, p.since, p.cursor, batch_, [&](const KeptArticle& article, Hit hit) {
        // Dated when the article was fetched, like the alert it would have been.
        std::vector<Alert> alerts{alert_for(std::move(hit), article, article.kept)};
        auto kept = store_.record_alerts(article.source_id, article.item_key, article.article_key,
                                         std::move(alerts));
        if (!kept) {
          spdlog::error("lookback {}/{}: {}", p.watchlist, p.rule, kept.error().message);
          return;
        }
        p.alerts += kept->size();
        recorded = recorded || !kept->empty();
      });
  if (recorded) delivery_.publish_recorded();
  if (!batch) {
    spdlog::error("lookback {}/{}: {}; stopped", p.watchlist, p.rule, batch.error().message);
    drop_front();
    return std::chrono::milliseconds(0);
  }
  p.cursor = batch->cursor;
  p.searched += batch->searched;
  if (batch->done) {
    spdlog::info("lookback {}/{}: {} articles kept since {} searched, {} alerts", p.watchlist,
                 p.rule, p.searched, format_utc(p.since), p.alerts);
    drop_front();
  } else if (auto saved = store_.save_lookback(p); !saved) {
    spdlog::error("lookback {}/{}: {}", p.watchlist, p.rule, saved.error().message);
  }
  return runs_.empty() ? std::chrono::hours(1) : std::chrono::milliseconds(0);
}

}  // namespace nw
