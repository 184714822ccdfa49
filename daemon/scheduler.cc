#include "daemon/scheduler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "feeds/text.h"

namespace nw {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
constexpr seconds kFloor{1};

// The first instant at or after `from` in this source's slot: the instants
// phase + k * interval since the epoch, phase a stable hash of the id. Like
// Prometheus' scrape offsets, the slots spread ten thousand sources over their
// interval however they were added, and stay put across restarts.
TimePoint next_slot(std::string_view id, milliseconds interval, TimePoint from) {
  const std::int64_t period = interval.count();
  const auto phase =
      static_cast<std::int64_t>(fnv1a64({"poll slot", id}) % static_cast<std::uint64_t>(period));
  const std::int64_t t = duration_cast<milliseconds>(from.time_since_epoch()).count();
  const std::int64_t ahead = ((phase - t) % period + period) % period;
  return from + milliseconds(ahead);
}
}  // namespace

Scheduler::Scheduler(const Clock& clock, Options options) : clock_(clock), options_(options) {}

void Scheduler::add(std::string id, seconds interval, std::optional<TimePoint> first_due) {
  auto [it, fresh] = entries_.try_emplace(std::move(id));
  Entry& e = it->second;
  if (!fresh && !e.in_flight) queue_.erase({e.due, it->first});
  e.interval = std::max(interval, kFloor);
  e.due = first_due.value_or(clock_.now());
  if (!e.in_flight) queue_.emplace(e.due, it->first);
}

void Scheduler::remove(std::string_view id) {
  auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return;
  if (!it->second.in_flight) queue_.erase({it->second.due, it->first});
  entries_.erase(it);
}

bool Scheduler::contains(std::string_view id) const { return entries_.contains(std::string(id)); }

void Scheduler::set_interval(std::string_view id, seconds interval) {
  if (auto it = entries_.find(std::string(id)); it != entries_.end()) {
    it->second.interval = std::max(interval, kFloor);
  }
}

std::vector<std::string> Scheduler::take_due() {
  const TimePoint now = clock_.now();
  std::vector<std::string> out;
  while (!queue_.empty() && queue_.begin()->first <= now) {
    auto node = queue_.extract(queue_.begin());
    entries_.at(node.value().second).in_flight = true;
    out.push_back(std::move(node.value().second));
  }
  return out;
}

std::optional<milliseconds> Scheduler::until_next() const {
  if (queue_.empty()) return std::nullopt;
  const auto wait = duration_cast<milliseconds>(queue_.begin()->first - clock_.now());
  return std::max(wait, milliseconds(0));
}

TimePoint Scheduler::finish(std::string_view id, bool ok, int consecutive_failures,
                            std::optional<seconds> retry_after) {
  auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return clock_.now();
  Entry& e = it->second;
  if (!e.in_flight) queue_.erase({e.due, it->first});
  e.in_flight = false;
  const TimePoint now = clock_.now();
  const milliseconds interval = e.interval;
  milliseconds delay;
  if (ok) {
    // The source's next slot at least half an interval away: the first poll
    // (at once) is followed by one within [interval/2, 3*interval/2), and from
    // then on polls come `interval` apart, each in its slot.
    delay = duration_cast<milliseconds>(next_slot(it->first, interval, now + interval / 2) - now);
  } else {
    // interval, 2x, 4x ... capped; +-20% jitter so failing hosts do not move in lockstep.
    const int shift = std::clamp(consecutive_failures - 1, 0, 20);
    const milliseconds cap = std::max<milliseconds>(options_.max_backoff, interval);
    delay = std::min<milliseconds>(interval * (std::int64_t{1} << shift), cap);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    delay =
        milliseconds(static_cast<std::int64_t>(static_cast<double>(delay.count()) * jitter(rng_)));
  }
  if (retry_after) delay = std::max<milliseconds>(delay, *retry_after);
  e.due = now + delay;
  queue_.emplace(e.due, it->first);
  return e.due;
}

IntervalBounds interval_bounds(seconds interval, std::optional<seconds> min_interval,
                               std::optional<seconds> max_interval) {
  const seconds base = std::max(interval, kFloor);
  const seconds lo = std::clamp(min_interval.value_or(base), kFloor, base);
  const seconds hi = std::max(max_interval.value_or(base), base);
  return {lo, base, hi};
}

std::string describe_duration(seconds d) {
  const auto s = d.count();
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

AdaptedInterval adapt_interval(seconds current, const IntervalBounds& bounds,
                               const PollSample& sample, std::chrono::sys_seconds now) {
  current = std::clamp(current, bounds.min, bounds.max);
  std::optional<double> estimate;  // seconds per new item
  if (sample.modified && sample.new_items > 0 && sample.since_last &&
      sample.since_last->count() > 0) {
    estimate = static_cast<double>(sample.since_last->count()) / sample.new_items;
  }
  if (sample.modified) {
    // k dated items published over [oldest, now]: one per (now - oldest) / k.
    // Future dates (clock skew, scheduled posts) say nothing about the rate.
    std::optional<std::chrono::sys_seconds> oldest;
    int k = 0;
    for (const auto d : sample.item_dates) {
      if (d > now + std::chrono::minutes(5)) continue;
      ++k;
      if (!oldest || d < *oldest) oldest = d;
    }
    if (k >= 2) {
      const double span = std::max<double>(static_cast<double>((now - *oldest).count()), 1.0);
      const double by_dates = span / k;
      estimate = estimate ? std::min(*estimate, by_dates) : by_dates;
    }
  }
  // No evidence of activity: slow down.
  const double target = estimate.value_or(2.0 * static_cast<double>(current.count()));
  std::string reason =
      estimate ? "about one new item every " +
                     describe_duration(seconds(static_cast<std::int64_t>(std::llround(*estimate))))
               : "nothing new";
  double next = std::sqrt(static_cast<double>(current.count()) * std::max(target, 1.0));
  if (sample.hint && static_cast<double>(sample.hint->count()) > next) {
    next = static_cast<double>(sample.hint->count());
    reason =
        "the source asks not to be polled more often than every " + describe_duration(*sample.hint);
  }
  if (next > static_cast<double>(bounds.max.count())) reason += " (held at max_interval)";
  if (next < static_cast<double>(bounds.min.count())) reason += " (held at min_interval)";
  next = std::clamp(next, static_cast<double>(bounds.min.count()),
                    static_cast<double>(bounds.max.count()));
  return {seconds(static_cast<std::int64_t>(std::llround(next))), std::move(reason)};
}

}  // namespace nw
