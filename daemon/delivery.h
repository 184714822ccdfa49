// Delivery: from "recorded in the Store" to "sent to subscribers". Publishes
// every recorded alert as soon as it is recorded, in seq order, and marks it
// published; sends a heartbeat with the last assigned seq every `heartbeat`;
// deletes alerts older than `keep_alerts`, and kept articles (the archive
// backtests read) older than `keep_articles`, a few at a time. Durability does not
// depend on anyone listening: a subscriber that missed something asks the
// replay socket (daemon/replay_server.h), which reads the same records.
// Not thread-safe: lives on the loop thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "daemon/clock.h"
#include "daemon/metrics.h"
#include "daemon/publisher.h"
#include "daemon/store.h"

namespace nw {

struct DeliveryOptions {
  std::chrono::seconds heartbeat{5};
  std::chrono::seconds keep_alerts{std::chrono::days(90)};
  // 0: the archive is off, and what an earlier run kept goes too.
  std::chrono::seconds keep_articles{std::chrono::days(14)};
  // Retention deletes at most this many alerts (and as many articles) per
  // transaction...
  std::size_t prune_batch = 500;
  // ...once per this period while nothing is left to delete.
  std::chrono::seconds prune_every{60};
  Metrics* metrics = nullptr;  // alerts per rule, last seq; may be null
};

class Delivery {
 public:
  // Keeps references: `store`, `publisher` and `clock` (and `options.metrics`
  // when set) must outlive the Delivery.
  Delivery(Store& store, Publisher& publisher, const Clock& clock, DeliveryOptions options);

  // Publishes every alert the store holds unpublished, oldest first. An alert
  // that cannot be sent stays unpublished and is tried again at the next call.
  void publish_recorded();
  // Publishes what is left, sends a heartbeat when one is due, and prunes a
  // batch when one is due. Returns how long until the next thing is due.
  std::chrono::milliseconds tick();

  void set_options(DeliveryOptions options) { options_ = options; }
  std::uint64_t alerts_published() const { return alerts_published_; }
  // Alerts published since the last UTC midnight, by the clock.
  std::uint64_t alerts_today() const { return alerts_today_; }

 private:
  void prune();

  Store& store_;
  Publisher& publisher_;
  const Clock& clock_;
  DeliveryOptions options_;
  bool unpublished_ = true;  // the store may hold unpublished alerts (true at start)
  TimePoint next_heartbeat_{};
  TimePoint next_prune_{};
  std::uint64_t alerts_published_ = 0;
  std::uint64_t alerts_today_ = 0;
  std::chrono::sys_days today_{};
};

}  // namespace nw
