// Backtests: a rule snapshot run over the kept articles (Store::kept_articles,
// `[daemon] keep_articles`), showing what its rules would have alerted on had
// they been running. `newswatch backtest` runs it over a whole window; the
// daemon's rule lookback (daemon/lookback.h) a batch at a time between other
// work. The kept text is the text the daemon matched, and the same Matcher
// reads it, so a hit here is the alert the daemon would have sent.
// Functions of their arguments: call them on the Store's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "daemon/alert.h"
#include "daemon/store.h"
#include "feeds/error.h"
#include "filters/matcher.h"

namespace nw {

using OnBacktestHit = std::function<void(const KeptArticle& article, Hit hit)>;

struct BacktestBatch {
  std::size_t searched = 0;  // articles read and matched
  std::int64_t cursor = 0;   // the last article read: where the next batch starts
  bool done = false;         // nothing is left in the window after the cursor
};

// At most `limit` kept articles kept since `since` after `cursor` (0 = from
// the start), each matched; `on_hit` gets every hit.
[[nodiscard]] Result<BacktestBatch> backtest_batch(Store& store, const Matcher& matcher,
                                                   std::chrono::sys_seconds since,
                                                   std::int64_t cursor, std::size_t limit,
                                                   const OnBacktestHit& on_hit);

struct BacktestSummary {
  std::size_t searched = 0;
  std::size_t hits = 0;
  std::chrono::microseconds elapsed{};
};

// Every article kept since `since`. A rule hits an article (its article key:
// one canonical URL seen in two sources) once, as it would alert once.
[[nodiscard]] Result<BacktestSummary> backtest(Store& store, const Matcher& matcher,
                                               std::chrono::sys_seconds since,
                                               const OnBacktestHit& on_hit);

// The alert a hit on an article makes, as the daemon records it (seq unset).
Alert alert_for(Hit hit, const KeptArticle& article, std::chrono::sys_seconds fetched);

}  // namespace nw
