// Rule lookback: a rule that sets `lookback = "24h"` and that a reload adds is
// also run over the articles kept in that last stretch of time (Store's
// archive, `[daemon] keep_articles`). Its hits are recorded like any alert,
// through Store::record_alerts, so each (watchlist, rule, article) alerts once
// whether the lookback or a later poll finds it first, and Delivery publishes
// them. The work is done on the loop a batch of articles per tick, so polls
// and deliveries go on meanwhile. Progress is saved in the Store after each
// batch, so a restart resumes a lookback where it stopped (a batch matched
// again records nothing twice).
// Not thread-safe: lives on the loop thread. added_lookback_rules() is a pure
// function, for the reload thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "daemon/clock.h"
#include "daemon/delivery.h"
#include "daemon/store.h"
#include "feeds/error.h"
#include "filters/matcher.h"
#include "filters/watchlist.h"

namespace nw {

struct LookbackRule {
  std::string watchlist;
  std::string rule;
  std::chrono::seconds window{};
  std::shared_ptr<const Matcher> matcher;  // this rule alone
};

// The rules of `next` that set `lookback` and that `previous` lacks (by
// watchlist name and rule id), each compiled alone.
[[nodiscard]] Result<std::vector<LookbackRule>> added_lookback_rules(
    std::span<const Watchlist> previous, std::span<const Watchlist> next);

class Lookback {
 public:
  // `batch`: articles matched per tick. Keeps references: `store`, `delivery`
  // and `clock` must outlive the Lookback; each queued rule holds its own
  // matcher (shared).
  Lookback(Store& store, Delivery& delivery, const Clock& clock, std::size_t batch = 200);

  // Queues a rule's run over the articles kept in its window, which ends now.
  void add(LookbackRule rule);
  // At start-up: queues again the runs the Store holds unfinished whose rule
  // `running` still has with a lookback; forgets the others, saying so.
  void resume(std::span<const Watchlist> running);
  // Matches one batch of the oldest queued run. Returns 0 while work is left,
  // so the loop comes back at once, else how long it may wait for us.
  std::chrono::milliseconds tick();
  std::size_t queued() const { return runs_.size(); }

 private:
  struct Run {
    LookbackProgress progress;
    std::shared_ptr<const Matcher> matcher;  // the rule alone
  };
  void end(const LookbackProgress& progress);  // forgets it in the Store
  void drop_front();                           // and ends it

  Store& store_;
  Delivery& delivery_;
  const Clock& clock_;
  std::size_t batch_;
  std::deque<Run> runs_;
};

}  // namespace nw
