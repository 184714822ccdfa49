#include "daemon/notify/digest.h"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>

#include "daemon/notify/local_time.h"
#include "feeds/text.h"

namespace nw {
namespace {

constexpr std::string_view kExample =
    "write a period such as \"1h\" or \"30m\", or \"daily 08:00\" (with timezone = "
    "\"Africa/Tripoli\")";

std::unexpected<Error> bad(std::string_view text, std::string_view what) {
  return fail(Errc::kInvalid, "digest \"" + std::string(text) + "\": " + std::string(what) + "; " +
                                  std::string(kExample));
}

// A whole number of 1 to `max_digits` ASCII digits.
bool parse_number(std::string_view s, std::size_t max_digits, int& out) {
  if (s.empty() || s.size() > max_digits) return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return true;
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  if (value.empty()) return;
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

Result<DigestSchedule> parse_digest(std::string_view text, std::string_view timezone) {
  DigestSchedule schedule;
  const std::string_view zone = trim(timezone);
  if (!zone.empty()) {
    if (auto ok = check_timezone(zone); !ok) return std::unexpected(ok.error());
    schedule.timezone = std::string(zone);
  }
  const std::string body = lower_ascii(trim(text));
  if (body.empty()) return bad(text, "empty");
  if (body.starts_with("daily")) {
    const std::string_view clock = trim(std::string_view(body).substr(5));
    const std::size_t colon = clock.find(':');
    int hour = 0;
    int minute = 0;
    if (clock.empty() || colon == std::string_view::npos ||
        !parse_number(clock.substr(0, colon), 2, hour) || clock.substr(colon + 1).size() != 2 ||
        !parse_number(clock.substr(colon + 1), 2, minute)) {
      return bad(text, "a daily digest needs a time as HH:MM");
    }
    if (hour > 23 || minute > 59) return bad(text, "the time is not between 00:00 and 23:59");
    schedule.kind = DigestSchedule::Kind::kDaily;
    schedule.hour = hour;
    schedule.minute = minute;
    return schedule;
  }
  const char unit = body.back();
  int count = 0;
  if ((unit != 'm' && unit != 'h') ||
      !parse_number(std::string_view(body).substr(0, body.size() - 1), 5, count)) {
    return bad(text, "not a period (a number followed by m or h) nor \"daily HH:MM\"");
  }
  const std::chrono::seconds every = unit == 'h'
                                         ? std::chrono::seconds(std::chrono::hours(count))
                                         : std::chrono::seconds(std::chrono::minutes(count));
  if (every < std::chrono::minutes(1) || every > std::chrono::hours(24)) {
    return bad(text, "the period must be between 1m and 24h");
  }
  schedule.kind = DigestSchedule::Kind::kEvery;
  schedule.every = every;
  return schedule;
}

std::chrono::sys_seconds next_digest(const DigestSchedule& schedule,
                                     std::chrono::sys_seconds after) {
  using std::chrono::seconds;
  using std::chrono::sys_seconds;
  if (schedule.kind == DigestSchedule::Kind::kEvery) {
    const auto period = std::max<seconds::rep>(schedule.every.count(), 1);
    const auto t = after.time_since_epoch().count();
    // Floor division, so that times before 1970 work too.
    auto q = t / period;
    if (t % period != 0 && t < 0) --q;
    return sys_seconds(seconds((q + 1) * period));
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::GregorianCalendar calendar(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(schedule.timezone)), status);
  if (U_FAILURE(status)) return after + std::chrono::hours(24);
  calendar.setSkippedWallTimeOption(UCAL_WALLTIME_NEXT_VALID);
  calendar.setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
  const UDate after_ms = static_cast<UDate>(after.time_since_epoch().count()) * 1000.0;
  calendar.setTime(after_ms, status);
  // Today's HH:MM, else tomorrow's (a third try only guards against odd zone data).
  for (int day = 0; day < 3 && U_SUCCESS(status); ++day) {
    calendar.set(UCAL_HOUR_OF_DAY, schedule.hour);
    calendar.set(UCAL_MINUTE, schedule.minute);
    calendar.set(UCAL_SECOND, 0);
    calendar.set(UCAL_MILLISECOND, 0);
    const UDate candidate = calendar.getTime(status);
    if (U_SUCCESS(status) && candidate > after_ms) {
      return sys_seconds(seconds(static_cast<seconds::rep>(candidate / 1000.0)));
    }
    calendar.add(UCAL_DATE, 1, status);
  }
  return after + std::chrono::hours(24);
}

std::chrono::sys_seconds alert_time(const Alert& alert) {
  return alert.published.value_or(alert.fetched);
}

std::vector<StoryLine> group_by_story(std::span<const Alert> alerts) {
  struct Group {
    StoryLine line;
    const Alert* earliest = nullptr;
    std::uint64_t max_seq = 0;
    std::vector<std::string> sources;
  };
  std::vector<Group> groups;
  std::map<std::string, std::size_t> index;  // story key -> groups[]
  for (const Alert& a : alerts) {
    // "\x1f" cannot start a story id, so lone alerts never meet a story.
    const std::string key =
        a.story.empty() ? "\x1f" + a.id + "\x1f" + std::to_string(a.seq) : a.story;
    auto [it, added] = index.try_emplace(key, groups.size());
    if (added) groups.emplace_back();
    Group& g = groups[it->second];
    StoryLine& line = g.line;
    const auto t = alert_time(a);
    if (g.earliest == nullptr || t < alert_time(*g.earliest) ||
        (t == alert_time(*g.earliest) && a.seq < g.earliest->seq)) {
      g.earliest = &a;
    }
    if (line.alerts == 0 || t > line.newest) line.newest = t;
    g.max_seq = std::max(g.max_seq, a.seq);
    line.story = a.story;
    ++line.alerts;
    line.story_size = std::max(line.story_size, a.story_size);
    add_unique(g.sources, a.source);
    add_unique(line.rules, a.topic());
    add_unique(line.severities, a.severity);
    for (const std::string& word : a.matched) add_unique(line.matched, word);
  }
  std::sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) {
    if (x.line.newest != y.line.newest) return x.line.newest > y.line.newest;
    return x.max_seq > y.max_seq;
  });
  std::vector<StoryLine> lines;
  lines.reserve(groups.size());
  for (Group& g : groups) {
    g.line.title = g.earliest->title;
    g.line.url = g.earliest->url;
    g.line.first_source = g.earliest->source;
    g.line.outlets = g.sources.size();
    lines.push_back(std::move(g.line));
  }
  return lines;
}

}  // namespace nw
