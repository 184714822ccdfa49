// Rule lookback (daemon/lookback.h).
#include "daemon/lookback.h"

#include <spdlog/spdlog.h>

#include <set>
#include <utility>

#include "daemon/alert.h"
#include "daemon/backtest.h"

namespace nw {

Result<std::vector<LookbackRule>> added_lookback_rules(std::span<const Watchlist> previous,
                                                       std::span<const Watchlist> next) {
  std::set<std::pair<std::string, std::string>, std::less<>> known;
  for (const Watchlist& w : previous) {
    for (const Rule& r : w.rules) known.emplace(w.name, r.id);
  }
  std::vector<LookbackRule> added;
  for (const Watchlist& w : next) {
    for (const Rule& r : w.rules) {
      if (!r.lookback || known.contains(std::pair{w.name, r.id})) continue;
      const Watchlist alone{.name = w.name, .file = w.file, .rules = {r}};
      auto matcher = Matcher::compile(std::span(&alone, 1));
      if (!matcher) return std::unexpected(matcher.error());
      added.push_back(LookbackRule{
          .watchlist = w.name, .rule = r.id, .window = *r.lookback, .matcher = *matcher});
    }
  }
  return added;
}

Lookback::Lookback(Store& store, Delivery& delivery, const Clock& clock, std::size_t batch)
    : store_(store), delivery_(delivery), clock_(clock), batch_(batch) {}

void Lookback::add(LookbackRule rule) {
  const auto since = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now() - rule.window);
  spdlog::info("lookback {}/{}: matching the articles kept since {}", rule.watchlist, rule.rule,
               format_utc(since));
  runs_.push_back(Run{.rule = std::move(rule), .since = since});
}

std::chrono::milliseconds Lookback::tick() {
  if (runs_.empty()) return std::chrono::hours(1);
  Run& run = runs_.front();
  bool recorded = false;
  auto batch =
      backtest_batch(store_, *run.rule.matcher, run.since, run.cursor, batch_,
                     [&](const KeptArticle& article, Hit hit) {
                       // Dated when the article was fetched, like the alert it would have been.
                       std::vector<Alert> alerts{alert_for(std::move(hit), article, article.kept)};
                       auto kept = store_.record_alerts(article.source_id, article.item_key,
                                                        article.article_key, std::move(alerts));
                       if (!kept) {
                         spdlog::error("lookback {}/{}: {}", run.rule.watchlist, run.rule.rule,
                                       kept.error().message);
                         return;
                       }
                       run.alerts += kept->size();
                       recorded = recorded || !kept->empty();
                     });
  if (recorded) delivery_.publish_recorded();
  if (!batch) {
    spdlog::error("lookback {}/{}: {}; stopped", run.rule.watchlist, run.rule.rule,
                  batch.error().message);
    runs_.pop_front();
    return std::chrono::milliseconds(0);
  }
  run.cursor = batch->cursor;
  run.searched += batch->searched;
  if (batch->done) {
    spdlog::info("lookback {}/{}: {} articles kept since {} searched, {} alerts",
                 run.rule.watchlist, run.rule.rule, run.searched, format_utc(run.since),
                 run.alerts);
    runs_.pop_front();
  }
  return runs_.empty() ? std::chrono::hours(1) : std::chrono::milliseconds(0);
}

}  // namespace nw
