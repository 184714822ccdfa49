// `newswatch status`: the daemon's recorded state at a glance, read from the
// store (read-only, so it works while the daemon runs): per source its last
// success, failures, next poll, items and alerts; then totals and the last
// alert. Plain functions; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/alert.h"
#include "daemon/store.h"

namespace nw {

struct SourceStatus {
  std::string id;
  std::string url;
  SourceState state;
  SourceCounts counts;
  bool polled = false;  // the store has seen a poll of it
};

struct StatusReport {
  std::vector<SourceStatus> sources;  // in config order
  int ok = 0;                         // last poll succeeded
  int failing = 0;                    // failing now (or disabled)
  int waiting = 0;                    // never polled yet
  std::uint64_t items = 0;
  std::uint64_t alerts = 0;  // kept in the store
  AlertLog log;
  std::optional<Alert> last_alert;
};

[[nodiscard]] Result<StatusReport> read_status(const Config& config, Store& store);

// One line per source, then a totals line and the last alert. `now` makes
// "in 4m" and "3h ago".
std::string status_text(const StatusReport& report, std::chrono::sys_seconds now,
                        bool totals = true);
// {"sources":[...],"totals":{...},"last_alert":{...}|null}
std::string status_json(const StatusReport& report);

// {"story":..,"sources":N,"articles":N,"first_seen":..,"last_seen":..,"title":..}:
// a line of `newswatch stories --top`, an entry of the pages' /api/stories.
std::string story_summary_json(const StorySummary& story);

// "45s", "4m", "3h", "2d": a short span for people.
std::string short_span(std::chrono::seconds span);

// A source's last success ("3h ago", "never", "not polled yet") and next poll
// ("in 4m", "now", "disabled"), as `status` and the /sources page say them.
std::string last_success_text(const SourceStatus& source, std::chrono::sys_seconds now);
std::string next_poll_text(const SourceState& state, std::chrono::sys_seconds now);

}  // namespace nw
