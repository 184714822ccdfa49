// When each source is polled next. Every source keeps its own interval; a
// failing source backs off exponentially (with jitter, capped) without delaying
// the others, and a server's Retry-After is honoured. Pure logic over a Clock.
// Not thread-safe: owned by the daemon's loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/clock.h"

namespace nw {

class Scheduler {
 public:
  struct Options {
    std::chrono::seconds max_backoff{3600};
  };
  Scheduler(const Clock& clock, Options options);

  // Adds or updates a source; it is due at `first_due` (now when not given).
  void add(std::string id, std::chrono::seconds interval, std::optional<TimePoint> first_due = {});
  void remove(std::string_view id);
  bool contains(std::string_view id) const;

  // Sources due now and not already in flight, most overdue first; marks them in flight.
  std::vector<std::string> take_due();
  // Time until the next source is due (zero when one is due), or nullopt when
  // nothing is scheduled.
  std::optional<std::chrono::milliseconds> until_next() const;

  // Ends a poll. Success: next in `interval`. Failure: next after a backoff that
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
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace nw
