// newswatch status (daemon/cli/status_report.h).
#include "daemon/cli/status_report.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace nw {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;
using Json = nlohmann::ordered_json;

Json time_json(const std::optional<sys_seconds>& t) {
  return t ? Json(format_utc(*t)) : Json(nullptr);
}

std::string pad(std::string s, std::size_t width) {
  // Column widths count code points, so Arabic ids line up too.
  std::size_t points = 0;
  for (unsigned char c : s) points += (c & 0xC0) != 0x80;
  if (points < width) s.append(width - points, ' ');
  return s;
}

// After the problem: how many articles robots.txt kept newswatch from.
std::string robots_note(std::uint64_t skipped) {
  if (skipped == 0) return "";
  return " (robots.txt: " + std::to_string(skipped) + " article" + (skipped == 1 ? "" : "s") +
         " matched on feed text)";
}

}  // namespace

std::string short_span(seconds span) {
  const auto s = std::max<long long>(0, span.count());
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string last_success_text(const SourceStatus& s, std::chrono::sys_seconds now) {
  if (!s.polled) return "not polled yet";
  return s.state.last_success ? short_span(now - *s.state.last_success) + " ago" : "never";
}

std::string next_poll_text(const SourceState& st, std::chrono::sys_seconds now) {
  if (st.disabled) return "disabled";
  if (!st.next_poll || *st.next_poll <= now) return "now";
  return "in " + short_span(*st.next_poll - now);
}

Result<StatusReport> read_status(const Config& config, Store& store) {
  StatusReport r;
  auto counts = store.source_counts();
  if (!counts) return std::unexpected(counts.error());
  for (const SourceConfig& s : config.sources) {
    auto state = store.source(s.id);
    if (!state) return std::unexpected(state.error());
    SourceStatus st{.id = s.id, .url = s.url, .state = *state};
    if (auto it = counts->find(s.id); it != counts->end()) st.counts = it->second;
    st.polled = state->last_attempt.has_value() && state->config_url == s.url;
    if (!st.polled) {
      ++r.waiting;
    } else if (state->consecutive_failures > 0 || state->disabled) {
      ++r.failing;
    } else {
      ++r.ok;
    }
    r.items += st.counts.items;
    r.alerts += st.counts.alerts;
    r.sources.push_back(std::move(st));
  }
  auto log = store.alert_log();
  if (!log) return std::unexpected(log.error());
  r.log = *log;
  if (log->last_seq > 0) {
    auto last = store.alerts_since(log->last_seq - 1, "", 1);
    if (!last) return std::unexpected(last.error());
    if (!last->empty()) {
      auto a = alert_from_json(last->front().json);
      if (a) r.last_alert = std::move(*a);
    }
  }
  return r;
}

std::string status_text(const StatusReport& r, sys_seconds now, bool totals) {
  std::size_t width = 6;
  for (const auto& s : r.sources) width = std::max(width, s.id.size());
  std::string out = pad("SOURCE", width) + "  " + pad("LAST SUCCESS", 14) + "  FAILURES  " +
                    pad("NEXT POLL", 10) + "  " + pad("ITEMS", 7) + "  ALERTS  PROBLEM\n";
  for (const auto& s : r.sources) {
    const SourceState& st = s.state;
    const std::string last = last_success_text(s, now);
    const std::string next = next_poll_text(st, now);
    out += pad(s.id, width) + "  " + pad(last, 14) + "  " +
           pad(std::to_string(st.consecutive_failures), 8) + "  " + pad(next, 10) + "  " +
           pad(std::to_string(s.counts.items), 7) + "  " + pad(std::to_string(s.counts.alerts), 6) +
           "  " + (s.polled ? st.last_error : "") + robots_note(s.counts.robots_skipped) + "\n";
  }
  if (!totals) return out;
  out += std::to_string(r.sources.size()) + " sources: " + std::to_string(r.ok) + " ok, " +
         std::to_string(r.failing) + " failing, " + std::to_string(r.waiting) +
         " not polled yet; " + std::to_string(r.items) + " items; " + std::to_string(r.alerts) +
         " alerts kept, last seq " + std::to_string(r.log.last_seq) + "\n";
  if (r.last_alert) {
    const Alert& a = *r.last_alert;
    out += "last alert: #" + std::to_string(a.seq) + " " + format_utc(a.fetched) + " (" +
           short_span(now - a.fetched) + " ago) " + a.topic() + " " + a.title + " " + a.url + "\n";
  } else {
    out += "last alert: none yet\n";
  }
  return out;
}

std::string story_summary_json(const StorySummary& s) {
  const Json line = {{"story", s.story},
                     {"sources", s.sources},
                     {"articles", s.articles},
                     {"first_seen", format_utc(s.first_seen)},
                     {"last_seen", format_utc(s.last_seen)},
                     {"title", s.title}};
  return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

namespace {

// {"last_hour": UTC, "ok": [24], "failed": [24]} oldest first, up to the
// hour of the last poll; null before any.
Json polls_json(const PollHistory& h) {
  if (h.encode().empty()) return nullptr;
  Json ok = Json::array(), failed = Json::array();
  for (const PollHistory::Hour& hour : h.hours) {
    ok.push_back(hour.ok);
    failed.push_back(hour.failed);
  }
  return {{"last_hour", format_utc(sys_seconds(std::chrono::hours(h.end_hour)))},
          {"ok", std::move(ok)},
          {"failed", std::move(failed)}};
}

}  // namespace

std::string status_json(const StatusReport& r) {
  Json sources = Json::array();
  for (const auto& s : r.sources) {
    sources.push_back(
        {{"id", s.id},
         {"url", s.state.url.empty() ? s.url : s.state.url},
         {"polled", s.polled},
         {"disabled", s.state.disabled},
         {"last_success", time_json(s.state.last_success)},
         {"consecutive_failures", s.state.consecutive_failures},
         {"last_error", s.state.last_error.empty() ? Json(nullptr) : Json(s.state.last_error)},
         {"next_poll", time_json(s.state.next_poll)},
         {"items", s.counts.items},
         {"alerts", s.counts.alerts},
         {"robots_skipped", s.counts.robots_skipped},
         {"polls_by_hour", polls_json(s.state.polls)}});
  }
  Json j;
  j["sources"] = std::move(sources);
  j["totals"] = {{"sources", r.sources.size()}, {"ok", r.ok},       {"failing", r.failing},
                 {"waiting", r.waiting},        {"items", r.items}, {"alerts", r.alerts},
                 {"last_seq", r.log.last_seq}};
  j["last_alert"] = r.last_alert ? Json::parse(to_json(*r.last_alert)) : Json(nullptr);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace nw
