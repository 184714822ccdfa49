#include "daemon/scheduler.h"

#include <algorithm>

namespace nw {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

Scheduler::Scheduler(const Clock& clock, Options options) : clock_(clock), options_(options) {}

void Scheduler::add(std::string id, seconds interval, std::optional<TimePoint> first_due) {
  auto& e = entries_[std::move(id)];
  e.interval = std::max(interval, seconds(1));
  e.due = first_due.value_or(clock_.now());
}

void Scheduler::remove(std::string_view id) { entries_.erase(std::string(id)); }

bool Scheduler::contains(std::string_view id) const {
  return entries_.contains(std::string(id));
}

std::vector<std::string> Scheduler::take_due() {
  const TimePoint now = clock_.now();
  std::vector<std::pair<TimePoint, std::string>> due;
  for (auto& [id, e] : entries_) {
    if (!e.in_flight && e.due <= now) due.emplace_back(e.due, id);
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> out;
  out.reserve(due.size());
  for (auto& [when, id] : due) {
    entries_[id].in_flight = true;
    out.push_back(std::move(id));
  }
  return out;
}

std::optional<milliseconds> Scheduler::until_next() const {
  std::optional<TimePoint> next;
  for (const auto& [id, e] : entries_) {
    if (e.in_flight) continue;
    if (!next || e.due < *next) next = e.due;
  }
  if (!next) return std::nullopt;
  const auto wait = duration_cast<milliseconds>(*next - clock_.now());
  return std::max(wait, milliseconds(0));
}

TimePoint Scheduler::finish(std::string_view id, bool ok, int consecutive_failures,
                            std::optional<seconds> retry_after) {
  auto it = entries_.find(std::string(id));
  if (it == entries_.end()) return clock_.now();
  Entry& e = it->second;
  e.in_flight = false;
  milliseconds delay = e.interval;
  if (!ok) {
    // interval, 2x, 4x ... capped; +-20% jitter so failing hosts do not move in lockstep.
    const int shift = std::clamp(consecutive_failures - 1, 0, 20);
    const milliseconds cap = std::max<milliseconds>(options_.max_backoff, e.interval);
    delay = std::min<milliseconds>(e.interval * (std::int64_t{1} << shift), cap);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    delay = milliseconds(static_cast<std::int64_t>(static_cast<double>(delay.count()) * jitter(rng_)));
  }
  if (retry_after) delay = std::max<milliseconds>(delay, *retry_after);
  e.due = clock_.now() + delay;
  return e.due;
}

}  // namespace nw
