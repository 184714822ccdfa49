// A source's health after one poll: from its state before the poll and the
// fetch's answer, its next state (failures, validators, a permanent redirect,
// 410 disabling, the adaptive interval), the lines that tell the operator, and
// what adaptive polling learned. Pure: no I/O and no clock (callers pass `now`);
// safe from any thread. The Watcher records a 200's items before asking.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/scheduler.h"
#include "daemon/store.h"
#include "feeds/error.h"
#include "feeds/fetcher.h"

namespace nw {

// What a 200's document held, once its new items are recorded in the Store.
struct PolledItems {
  std::size_t entries = 0;  // items in the document
  int new_items = 0;
  std::vector<std::chrono::sys_seconds> dates;          // of the feed's items
  std::optional<std::chrono::seconds> ttl;              // RSS <ttl>
  std::optional<std::chrono::seconds> update_interval;  // sy:updatePeriod / sy:updateFrequency
  ItemIdentity identity = ItemIdentity::kId;            // as this poll decided (item_identity.h)
  // Why the document was only partly usable (a feed recovered from ill-formed
  // or cut-off XML): "degraded: …"; empty when it was clean.
  std::string degraded;
};

// One line for the log, without its "source <id>: " prefix.
struct PollLogLine {
  enum class Level { kDebug, kInfo, kWarn, kError };
  Level level;
  std::string text;
};

struct PollOutcome {
  // The state to store. next_poll is the caller's to set from the Scheduler,
  // except that a disabled source has none.
  SourceState state;
  std::string error;  // empty when the poll succeeded
  std::optional<std::chrono::seconds> retry_after;
  // Set when a success observed something (a 200 or a 304); state.poll_interval
  // is then the interval adapted to it.
  std::optional<PollSample> sample;
  // In order. A failure's warning is left to the caller: it names the next poll.
  std::vector<PollLogLine> log;
  bool ok() const { return error.empty(); }
};

// The state a poll of `config_url` starts from: `stored`, or, when `stored`
// belongs to another configured URL (a new source, or its URL changed), the
// same without redirect, validators, degraded identity and adapted interval.
[[nodiscard]] SourceState state_for_url(SourceState stored, std::string_view config_url);

// The outcome of a poll answered by `response` at `now`, for a source whose
// state was `before` (from state_for_url) and whose interval moves within
// `bounds`. `recorded` is what reading a 200's document and recording its
// items gave; it is read only for a 200.
// REQUIRES: `recorded` is set when `response` is a 200.
[[nodiscard]] PollOutcome poll_outcome(const SourceState& before,
                                       const Result<FetchResponse>& response,
                                       std::optional<Result<PolledItems>> recorded,
                                       std::chrono::sys_seconds now, const IntervalBounds& bounds);

}  // namespace nw
