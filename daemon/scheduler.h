// When each source is polled next. Every source keeps its own interval, which
// the Watcher adapts to the source's publishing rate (adapt_interval), and its
// own slot within that interval (a stable hash of its id), so thousands of
// sources added at once do not stay polled in one burst; a
// failing source backs off exponentially (with jitter, capped) without delaying
// the others, and a server's Retry-After is honoured. Pure logic over a Clock.
// Not thread-safe: owned by the daemon's loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/clock.h"

namespace nw {

class Scheduler {
 public:
  struct Options {
    std::chrono::seconds max_backoff{3600};
  };
  // Keeps a reference: `clock` must outlive the Scheduler.
  Scheduler(const Clock& clock, Options options);

  // Adds or updates a source; it is due at `first_due` (now when not given).
  void add(std::string id, std::chrono::seconds interval, std::optional<TimePoint> first_due = {});
  void remove(std::string_view id);
  bool contains(std::string_view id) const;
  // The interval used from the next finish() on (at least 1s).
  void set_interval(std::string_view id, std::chrono::seconds interval);

  // Sources due now and not already in flight, most overdue first; marks them in flight.
  std::vector<std::string> take_due();
  // Time until the next source is due (zero when one is due), or nullopt when
  // nothing is scheduled.
  std::optional<std::chrono::milliseconds> until_next() const;

  // Ends a poll. Success: next in the source's slot, at least interval/2 and
  // less than 3*interval/2 away (exactly `interval` after a poll made in its
  // slot that took less than interval/2). Failure: next after a backoff that
  // doubles per consecutive failure. `retry_after` (429/503) overrides both when later.
  // Returns when the source is due again.
  TimePoint finish(std::string_view id, bool ok, int consecutive_failures,
                   std::optional<std::chrono::seconds> retry_after = {});

 private:
  struct Entry {
    std::chrono::seconds interval;
    TimePoint due;
    bool in_flight = false;
  };
  const Clock& clock_;
  Options options_;
  std::unordered_map<std::string, Entry> entries_;
  // (due, id) of every entry not in flight: O(log n) per operation, so ten
  // thousand sources cost nothing between polls.
  std::set<std::pair<TimePoint, std::string>> queue_;
  std::minstd_rand rng_{std::random_device{}()};
};

// Adaptive polling: the bounds one source's interval moves within.
struct IntervalBounds {
  std::chrono::seconds min, base, max;
};
// base = `interval`; min and max default to it, so a source is polled every
// `interval` as written unless its config opts in to adaptive polling by
// setting either bound. min is at least 1s and min <= base <= max always holds.
IntervalBounds interval_bounds(std::chrono::seconds interval,
                               std::optional<std::chrono::seconds> min_interval,
                               std::optional<std::chrono::seconds> max_interval);

// What one successful poll saw.
struct PollSample {
  bool modified = true;  // false: 304, nothing could be observed
  int new_items = 0;
  // Since the previous successful poll; nullopt on the first.
  std::optional<std::chrono::seconds> since_last;
  // Publication dates of the items in the document (any order, may be empty).
  std::vector<std::chrono::sys_seconds> item_dates;
  // The publisher's own "not sooner than" (ttl, sy:updatePeriod/Frequency,
  // Cache-Control max-age): the longest of them.
  std::optional<std::chrono::seconds> hint;
};

struct AdaptedInterval {
  std::chrono::seconds interval;
  // Why, for the log: "about one new item every 2m", "nothing new", "the
  // source asks for at least 1h", with "(held at max_interval)" when a bound
  // stopped it.
  std::string reason;
};

// The next interval: aims at about one new item per poll. The rate estimate is
// the sooner of "new items since the last poll" and "dated items over the time
// they span up to now"; with no evidence the interval grows. Moves halfway (in
// log scale) from `current` towards the estimate, never below the hint, always
// within the bounds.
AdaptedInterval adapt_interval(std::chrono::seconds current, const IntervalBounds& bounds,
                               const PollSample& sample, std::chrono::sys_seconds now);

// "45s", "5m", "2h": a duration as the log shows it (rounded down).
std::string describe_duration(std::chrono::seconds d);

}  // namespace nw
