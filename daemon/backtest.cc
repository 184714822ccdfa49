// Backtests (daemon/backtest.h).
#include "daemon/backtest.h"

#include <set>
#include <string>
#include <tuple>
#include <utility>

namespace nw {
namespace {

// Articles read per Store call by backtest(): about a megabyte of text at a time.
constexpr std::size_t kBatch = 256;

}  // namespace

Result<BacktestBatch> backtest_batch(Store& store, const Matcher& matcher,
                                     std::chrono::sys_seconds since, std::int64_t cursor,
                                     std::size_t limit, const OnBacktestHit& on_hit) {
  auto articles = store.kept_articles(since, cursor, limit);
  if (!articles) return std::unexpected(articles.error());
  BacktestBatch batch{.searched = articles->size(),
                      .cursor = articles->empty() ? cursor : articles->back().id,
                      .done = articles->size() < limit};
  for (const KeptArticle& a : *articles) {
    const Document doc{
        .title = a.title, .body = a.text, .source = a.source_id, .language = a.language};
    for (Hit& hit : matcher.match(doc)) on_hit(a, std::move(hit));
  }
  return batch;
}

Result<BacktestSummary> backtest(Store& store, const Matcher& matcher,
                                 std::chrono::sys_seconds since, const OnBacktestHit& on_hit) {
  const auto started = std::chrono::steady_clock::now();
  BacktestSummary summary;
  std::set<std::tuple<std::string, std::string, std::string>> seen;  // watchlist, rule, article
  std::int64_t cursor = 0;
  for (;;) {
    auto batch = backtest_batch(
        store, matcher, since, cursor, kBatch, [&](const KeptArticle& article, Hit hit) {
          if (!seen.emplace(hit.watchlist, hit.rule, article.article_key).second) {
            return;
          }
          ++summary.hits;
          on_hit(article, std::move(hit));
        });
    if (!batch) return std::unexpected(batch.error());
    summary.searched += batch->searched;
    cursor = batch->cursor;
    if (batch->done) break;
  }
  summary.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  return summary;
}

Alert alert_for(Hit hit, const KeptArticle& article, std::chrono::sys_seconds fetched) {
  return Alert{.id = alert_id(hit.watchlist, hit.rule, article.article_key),
               .watchlist = std::move(hit.watchlist),
               .rule = std::move(hit.rule),
               .source = article.source_id,
               .url = article.url,
               .title = article.title,
               .published = article.published,
               .fetched = fetched,
               .matched = std::move(hit.matched),
               .snippet = std::move(hit.snippet),
               .severity = std::move(hit.severity),
               .tags = std::move(hit.tags),
               .once_per_story = hit.once_per_story,
               .min_sources = hit.min_sources,
               .within = hit.within};
}

}  // namespace nw
