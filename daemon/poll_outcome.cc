#include "daemon/poll_outcome.h"

#include <algorithm>
#include <utility>

namespace nw {
namespace {

using std::chrono::seconds;

std::optional<seconds> longest(std::optional<seconds> a, std::optional<seconds> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// One info line when the poll changed something (new items, a recovery); a
// poll that brought nothing new is only worth a debug line.
void log_success(PollOutcome& out, int failures_before, std::size_t entries) {
  std::string news;
  if (failures_before > 0) {
    news = "recovered after " + std::to_string(failures_before) +
           (failures_before == 1 ? " failure" : " failures");
  }
  const std::optional<PollSample>& sample = out.sample;
  if (sample && sample->new_items > 0) {
    news += (news.empty() ? "" : "; ") + std::to_string(sample->new_items) + " new of " +
            std::to_string(entries) + (entries == 1 ? " item" : " items");
  }
  if (!news.empty()) {
    out.log.push_back({PollLogLine::Level::kInfo, std::move(news)});
  } else if (sample) {
    out.log.push_back({PollLogLine::Level::kDebug,
                       sample->modified ? "nothing new in " + std::to_string(entries) + " items"
                                        : std::string("not modified")});
  }
}

}  // namespace

SourceState state_for_url(SourceState stored, std::string_view config_url) {
  if (stored.config_url != config_url) {
    stored.config_url = stored.url = config_url;
    stored.etag.clear();
    stored.last_modified.clear();
    stored.identity = ItemIdentity::kId;
    stored.poll_interval.reset();
  }
  return stored;
}

PollOutcome poll_outcome(const SourceState& before, const Result<FetchResponse>& response,
                         std::optional<Result<PolledItems>> recorded, std::chrono::sys_seconds now,
                         const IntervalBounds& bounds) {
  PollOutcome out{.state = before};
  SourceState& state = out.state;
  state.last_attempt = now;
  bool disable = false;
  std::size_t entries = 0;  // in a 200's document
  std::string degraded;     // a 200's document was recovered, not clean

  if (!response) {
    out.error = response.error().message;
  } else {
    const FetchResponse& r = *response;
    out.retry_after = r.retry_after;
    if (r.moved_to && *r.moved_to != state.url) {
      out.log.push_back(
          {PollLogLine::Level::kInfo, state.url + " moved permanently to " + *r.moved_to});
      state.url = *r.moved_to;
    }
    std::optional<seconds> since_last;
    if (state.last_success) since_last = now - *state.last_success;
    if (r.status == 304) {
      // Nothing new.
      out.sample = PollSample{.modified = false, .since_last = since_last, .hint = r.max_age};
    } else if (r.status == 200) {
      Result<PolledItems>& got = *recorded;  // REQUIRES: set for a 200
      if (!got) {
        out.error = got.error().message;
      } else {
        PolledItems& items = *got;
        entries = items.entries;
        degraded = std::move(items.degraded);
        state.initialized = true;
        state.identity = items.identity;
        // Validators are stored only once the items are safely recorded.
        state.etag = r.etag;
        state.last_modified = r.last_modified;
        out.sample =
            PollSample{.new_items = items.new_items,
                       .since_last = since_last,
                       .item_dates = std::move(items.dates),
                       .hint = longest(longest(items.ttl, items.update_interval), r.max_age)};
      }
    } else if (r.status == 410) {
      out.error = "GET " + r.url + ": HTTP 410 Gone; source disabled";
      disable = true;
    } else {
      out.error = "GET " + r.url + ": HTTP " + std::to_string(r.status);
    }
  }

  if (out.ok()) {
    log_success(out, state.consecutive_failures, entries);
    state.consecutive_failures = 0;
    state.last_success = now;
    // A recovered document is a success that `newswatch sources` still shows
    // (as last_error), logged once per change. A 304 keeps the last verdict.
    const bool was_degraded = state.last_error.starts_with("degraded: ");
    const bool not_modified = response && response->status == 304;
    if (!degraded.empty()) {
      if (degraded != state.last_error) out.log.push_back({PollLogLine::Level::kWarn, degraded});
      state.last_error = std::move(degraded);
    } else if (!(not_modified && was_degraded)) {
      if (was_degraded) {
        out.log.push_back({PollLogLine::Level::kInfo, "its feed is well-formed again"});
      }
      state.last_error.clear();
    }
    if (out.sample) {
      const seconds current = state.poll_interval.value_or(bounds.base);
      const AdaptedInterval next = adapt_interval(current, bounds, *out.sample, now);
      if (next.interval != current) {
        out.log.push_back({PollLogLine::Level::kDebug,
                           "polling every " + describe_duration(next.interval) + " instead of " +
                               describe_duration(current) + ": " + next.reason});
      }
      state.poll_interval = next.interval;
    }
  } else {
    ++state.consecutive_failures;
    state.last_error = out.error;
  }
  state.polls.record(now, out.ok());
  state.disabled = disable;
  if (disable) {
    state.next_poll.reset();
    out.log.push_back({PollLogLine::Level::kError, out.error});
  }
  return out;
}

}  // namespace nw
