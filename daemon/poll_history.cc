// A source's polls by hour (daemon/poll_history.h).
#include "daemon/poll_history.h"

#include <charconv>

namespace nw {
namespace {

std::int64_t hour_of(std::chrono::sys_seconds t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

template <typename T>
bool read_number(std::string_view& text, T& out, char stop) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || (p != end && *p != stop)) return false;
  text.remove_prefix(static_cast<std::size_t>(p - text.data()) + (p != end ? 1 : 0));
  return true;
}

}  // namespace

PollHistory PollHistory::as_of(std::chrono::sys_seconds now) const {
  const std::int64_t now_hour = hour_of(now);
  if (now_hour <= end_hour) return *this;
  PollHistory out{.end_hour = now_hour};
  const std::int64_t shift = now_hour - end_hour;
  for (std::int64_t i = shift; i < kHours; ++i) out.hours[i - shift] = hours[i];
  return out;
}

void PollHistory::record(std::chrono::sys_seconds at, bool ok) {
  *this = as_of(at);
  const std::int64_t age = end_hour - hour_of(at);
  if (age >= kHours) return;
  Hour& h = hours[kHours - 1 - age];
  ++(ok ? h.ok : h.failed);
}

std::string PollHistory::encode() const {
  if (*this == PollHistory{.end_hour = end_hour}) return "";
  std::string out = std::to_string(end_hour);
  for (const Hour& h : hours) out += ' ' + std::to_string(h.ok) + '/' + std::to_string(h.failed);
  return out;
}

PollHistory PollHistory::decode(std::string_view text) {
  PollHistory out;
  if (text.empty() || !read_number(text, out.end_hour, ' ')) return {};
  for (Hour& h : out.hours) {
    if (!read_number(text, h.ok, '/') || !read_number(text, h.failed, ' ')) return {};
  }
  return text.empty() ? out : PollHistory{};
}

}  // namespace nw
