#include "daemon/web_pages.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <mstch/mstch.hpp>
#include <nlohmann/json.hpp>

#include "config/rule_checks.h"
#include "daemon/web_assets.h"
#include "feeds/text.h"

namespace nw {
namespace {

constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool equal_at(std::string_view text, std::size_t at, std::string_view word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (lower(text[at + i]) != lower(word[i])) return false;
  }
  return true;
}

bool contains_nocase(std::string_view text, std::string_view needle) {
  if (needle.empty()) return true;
  for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
    if (equal_at(text, i, needle)) return true;
  }
  return false;
}

// For a query-string value or a path segment: unreserved characters stay,
// every other byte is %XX (the template then HTML-escapes the result).
std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A CSS class from a severity: [a-z0-9-] only.
std::string css_class(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const char l = lower(c);
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-') out += l;
  }
  return out.empty() ? "none" : out;
}

mstch::map alert_view(const Alert& a, std::chrono::sys_seconds now) {
  const std::string title = strip_bidi_controls(a.title.empty() ? a.url : a.title);
  mstch::array snippet;
  for (SnippetPart& p : highlight(strip_bidi_controls(a.snippet), a.matched)) {
    snippet.emplace_back(mstch::map{{"text", std::move(p.text)}, {"mark", p.mark}});
  }
  mstch::array tags;
  for (const std::string& t : a.tags) {
    tags.emplace_back(mstch::map{{"tag", strip_bidi_controls(t)}, {"tag_q", url_encode(t)}});
  }
  const bool link = web_link(a.url);
  return mstch::map{
      {"seq", std::to_string(a.seq)},
      {"title", title},
      {"has_link", link},
      {"url", strip_bidi_controls(a.url)},
      {"source", strip_bidi_controls(a.source)},
      {"source_q", url_encode(a.source)},
      {"has_topic", !a.watchlist.empty()},  // a backtest's hits have none
      {"watchlist", a.watchlist},
      {"watchlist_q", url_encode(a.watchlist)},
      {"rule", a.rule},
      {"rule_q", url_encode(a.rule)},
      {"has_severity", !a.severity.empty()},
      {"severity", a.severity},
      {"severity_class", css_class(a.severity)},
      {"fetched_utc", format_utc(a.fetched)},
      {"ago", relative_time(a.fetched, now)},
      {"tags", std::move(tags)},
      {"snippet", std::move(snippet)},
      {"has_story", !a.story.empty()},
      {"story_q", url_encode(a.story)},
      {"story_label", story_label(a)},
      {"suppressed", a.suppressed},
  };
}

mstch::array alert_views(std::span<const Alert> alerts, std::chrono::sys_seconds now) {
  mstch::array out;
  for (const Alert& a : alerts) out.emplace_back(alert_view(a, now));
  return out;
}

// mstch's escape function is a process-wide setting; the pages set it to HTML
// for each render, under this lock.
std::string render(std::string_view page, const mstch::map& context) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  mstch::config::escape = escape_html;
  return mstch::render(std::string(page), context,
                       {{"head", std::string(web_assets::kHead)},
                        {"alert_list", std::string(web_assets::kAlertList)}});
}

std::string filter_query(const AlertFilter& f, std::uint64_t before) {
  std::string q;
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    q += std::string(q.empty() ? "" : "&") + name + "=" + url_encode(value);
  };
  add("watchlist", f.watchlist);
  add("rule", f.rule);
  add("severity", f.severity);
  add("source", f.source);
  add("tag", f.tag);
  add("text", f.text);
  add("before", std::to_string(before));
  return q;
}

std::optional<std::uint64_t> parse_number(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::chrono::sys_seconds now_seconds(const Clock& clock) {
  return std::chrono::time_point_cast<std::chrono::seconds>(clock.now());
}

void answer(httplib::Response& res, const WebPages::Response& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type.c_str());
}

std::string count_text(std::uint64_t n) { return std::to_string(n); }

std::string bytes_text(std::uint64_t b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1024.0 * 1024.0));
  return buf;
}

std::uint64_t resident_bytes() {
  long pages = 0, resident = 0;
  std::ifstream statm("/proc/self/statm");
  statm >> pages >> resident;
  return static_cast<std::uint64_t>(resident) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::vector<std::string> rule_options(const Rule& r) {
  std::vector<std::string> o;
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!r.severity.empty()) o.push_back("severity " + r.severity);
  if (!r.tags.empty()) o.push_back("tags " + list(r.tags));
  if (!r.sources.empty()) o.push_back("sources " + list(r.sources));
  if (!r.languages.empty()) o.push_back("languages " + list(r.languages));
  if (r.exact) o.push_back("exact");
  if (r.fold_accents) o.push_back("fold_accents");
  if (r.once_per_story) o.push_back("once_per_story");
  if (r.min_sources > 0) {
    o.push_back("min_sources " + std::to_string(r.min_sources) + " within " + short_span(r.within));
  }
  if (r.lookback) o.push_back("lookback " + short_span(*r.lookback));
  return o;
}

WebPages::Response json_response(std::string body, int status = 200) {
  return {.status = status, .body = std::move(body), .content_type = "application/json"};
}

WebPages::Response json_error(int status, std::string what) {
  return json_response(nlohmann::json{{"error", std::move(what)}}.dump(), status);
}

}  // namespace

RuleRows rule_rows(std::span<const Watchlist> watchlists, const RuleSelection& selection,
                   const std::map<std::string, std::uint64_t, std::less<>>& day,
                   const std::map<std::string, std::uint64_t, std::less<>>& week) {
  RuleRows out{.watchlists = watchlists.size()};
  std::size_t skip = selection.from;
  for (const Watchlist& w : watchlists) {
    out.rules += w.rules.size();
    if (!selection.watchlist.empty() && w.name != selection.watchlist) continue;
    out.matched += w.rules.size();
    if (skip >= w.rules.size()) {  // a whole watchlist before the page: not looked into
      skip -= w.rules.size();
      continue;
    }
    for (std::size_t i = skip; i < w.rules.size() && out.rows.size() < selection.limit; ++i) {
      const Rule& r = w.rules[i];
      RuleRow row{.watchlist = w.name, .file = w.file, .rule = r};
      // The warnings of this rule alone: rule_warnings says them in rule order.
      const Watchlist one{.name = w.name, .file = w.file, .rules = {r}};
      row.warnings = rule_warnings(std::span(&one, 1));
      const std::string topic = w.name + "/" + r.id;
      if (auto it = day.find(topic); it != day.end()) row.alerts_day = it->second;
      if (auto it = week.find(topic); it != week.end()) row.alerts_week = it->second;
      out.rows.push_back(std::move(row));
    }
    skip = 0;
  }
  return out;
}

namespace {

// The next page's `from`, if the selection's rules go on past this page.
std::optional<std::size_t> next_from(const RuleRows& r, const RuleSelection& s) {
  const std::size_t end = s.from + r.rows.size();
  return !r.rows.empty() && end < r.matched ? std::optional(end) : std::nullopt;
}

}  // namespace

// The last day's polls as 24 bars, an hour each, oldest first: ok polls from
// the bottom, failed ones stacked above, scaled to the busiest hour. SVG
// attributes, not style attributes: the page's CSP forbids inline styles.
mstch::map poll_bars(const PollHistory& stored, std::chrono::sys_seconds now) {
  constexpr int kStep = 4, kHeight = 20;
  const PollHistory h = stored.as_of(now);
  std::uint32_t busiest = 1, ok = 0, failed = 0;
  for (const PollHistory::Hour& hour : h.hours) {
    busiest = std::max(busiest, hour.ok + hour.failed);
    ok += hour.ok;
    failed += hour.failed;
  }
  mstch::array bars;
  for (int i = 0; i < PollHistory::kHours; ++i) {
    const PollHistory::Hour& hour = h.hours[i];
    if (hour.ok + hour.failed == 0) continue;
    const int ok_h = static_cast<int>((hour.ok * kHeight + busiest - 1) / busiest);
    const int failed_h = static_cast<int>((hour.failed * kHeight + busiest - 1) / busiest);
    const auto start =
        std::chrono::sys_seconds(std::chrono::hours(h.end_hour - (PollHistory::kHours - 1 - i)));
    bars.emplace_back(
        mstch::map{{"x", std::to_string(i * kStep)},
                   {"ok_y", std::to_string(kHeight - ok_h)},
                   {"ok_h", std::to_string(ok_h)},
                   {"failed_y", std::to_string(std::max(0, kHeight - ok_h - failed_h))},
                   {"failed_h", std::to_string(std::min(failed_h, kHeight - ok_h))},
                   {"label", format_utc(start).substr(11, 5) + " UTC: " + std::to_string(hour.ok) +
                                 " ok, " + std::to_string(hour.failed) + " failed"}});
  }
  return mstch::map{{"bars", std::move(bars)},
                    {"polls_label", std::to_string(ok + failed) + " polls in 24 h, " +
                                        std::to_string(failed) + " failed"}};
}

std::string render_sources_page(const StatusReport& r, std::chrono::sys_seconds now) {
  mstch::array sources;
  for (const SourceStatus& s : r.sources) {
    const SourceState& st = s.state;
    const bool failing = s.polled && (st.consecutive_failures > 0 || st.disabled);
    const std::string last = last_success_text(s, now);
    const std::string next = next_poll_text(st, now);
    sources.emplace_back(mstch::map{
        {"id", strip_bidi_controls(s.id)},
        {"id_q", url_encode(s.id)},
        {"url", strip_bidi_controls(st.url.empty() ? s.url : st.url)},
        {"state", std::string(!s.polled ? "waiting"
                              : failing ? "failing"
                                        : "ok")},
        {"last_success", last},
        {"last_success_utc",
         s.polled && st.last_success ? format_utc(*st.last_success) : std::string()},
        {"failures", std::to_string(st.consecutive_failures)},
        {"next_poll", next},
        {"items", count_text(s.counts.items)},
        {"alerts", count_text(s.counts.alerts)},
        {"error", strip_bidi_controls(s.polled ? st.last_error : "")},
        {"robots", s.counts.robots_skipped ? count_text(s.counts.robots_skipped) : std::string()},
        {"polls", poll_bars(st.polls, now)},
    });
  }
  return render(web_assets::kSourcesPage, mstch::map{{"page_title", std::string("Sources")},
                                                     {"nav_sources", true},
                                                     {"total", std::to_string(r.sources.size())},
                                                     {"ok", std::to_string(r.ok)},
                                                     {"failing", std::to_string(r.failing)},
                                                     {"waiting", std::to_string(r.waiting)},
                                                     {"items", count_text(r.items)},
                                                     {"alerts", count_text(r.alerts)},
                                                     {"sources", std::move(sources)}});
}

std::string render_rules_page(const RuleRows& selected, const RuleSelection& selection,
                              const TryView& tried, std::chrono::sys_seconds now) {
  const std::vector<RuleRow>& rows = selected.rows;
  mstch::array lists;
  mstch::array rules;
  std::string current;
  std::string file;
  auto flush = [&] {
    if (rules.empty()) return;
    lists.emplace_back(mstch::map{{"name", current},
                                  {"name_q", url_encode(current)},
                                  {"file", file},
                                  {"rules", std::move(rules)}});
    rules = mstch::array{};
  };
  for (const RuleRow& row : rows) {
    if (row.watchlist != current || rules.empty()) {
      flush();
      current = row.watchlist;
      file = row.file;
    }
    mstch::array warnings, options;
    for (const std::string& w : row.warnings) warnings.emplace_back(w);
    for (std::string& o : rule_options(row.rule)) options.emplace_back(std::move(o));
    rules.emplace_back(mstch::map{{"id", row.rule.id},
                                  {"id_q", url_encode(row.rule.id)},
                                  {"watchlist_q", url_encode(row.watchlist)},
                                  {"query", row.rule.query},
                                  {"has_warnings", !row.warnings.empty()},
                                  {"warnings", std::move(warnings)},
                                  {"options", std::move(options)},
                                  {"day", count_text(row.alerts_day)},
                                  {"week", count_text(row.alerts_week)}});
  }
  flush();
  mstch::array since_options, warnings;
  bool listed = false;
  for (const char* span : {"24h", "7d", "14d", "30d"}) {
    listed = listed || tried.since == span;
    since_options.emplace_back(
        mstch::map{{"value", std::string(span)}, {"selected", tried.since == span}});
  }
  if (!listed) {  // what the API or a hand-made form asked for
    since_options.emplace_back(mstch::map{{"value", tried.since}, {"selected", true}});
  }
  for (const std::string& w : tried.warnings) warnings.emplace_back(w);
  std::string summary;
  if (tried.ran) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.0f", tried.ms);
    summary = std::to_string(tried.hits.size()) + (tried.hits.size() == 1 ? " hit" : " hits") +
              " in " + std::to_string(tried.searched) + " articles kept in the last " +
              tried.since + " (" + ms + " ms)" +
              (tried.hits.empty() ? "." : ", oldest first, as they would have alerted.");
  }
  const std::string in = selection.watchlist.empty()
                             ? std::string()
                             : "watchlist=" + url_encode(selection.watchlist) + "&";
  mstch::map page{{"page_title", std::string("Rules")},
                  {"nav_rules", true},
                  {"count", std::to_string(selected.rules)},
                  {"lists", std::to_string(selected.watchlists)},
                  {"watchlists", std::move(lists)},
                  {"page_size", std::to_string(selection.limit)},
                  {"api_q", in.empty() ? std::string() : "?" + in.substr(0, in.size() - 1)}};
  if (!selection.watchlist.empty() || selection.from > 0 || next_from(selected, selection)) {
    page["paged"] =
        mstch::map{{"first", std::to_string(rows.empty() ? selection.from : selection.from + 1)},
                   {"last", std::to_string(selection.from + rows.size())},
                   {"matched", std::to_string(selected.matched)},
                   {"watchlist", selection.watchlist}};
  }
  page["t_query"] = tried.query;
  page["t_since"] = std::move(since_options);
  page["t_exact"] = tried.exact;
  page["t_fold"] = tried.fold_accents;
  page["t_error"] = strip_bidi_controls(tried.error);
  page["t_note"] = tried.note;
  page["t_warnings"] = std::move(warnings);
  page["t_ran"] = tried.ran;
  page["t_summary"] = summary;
  page["t_stopped"] = tried.stopped;
  page["t_none_kept"] = tried.ran && tried.searched == 0;
  page["alerts"] = alert_views(tried.hits, now);
  if (auto next = next_from(selected, selection))
    page["next_q"] = in + "from=" + std::to_string(*next);
  return render(web_assets::kRulesPage, page);
}

std::string render_health_page(const StatusReport& r, const HealthFigures& f,
                               std::chrono::sys_seconds now) {
  mstch::array failing_ids;
  for (const SourceStatus& s : r.sources) {
    if (s.polled && (s.state.consecutive_failures > 0 || s.state.disabled))
      failing_ids.emplace_back(strip_bidi_controls(s.id));
  }
  mstch::map context{
      {"page_title", std::string("Health")},    {"nav_health", true},
      {"failing", std::to_string(r.failing)},   {"any_failing", r.failing > 0},
      {"failing_ids", std::move(failing_ids)},  {"total", std::to_string(r.sources.size())},
      {"waiting", std::to_string(r.waiting)},   {"pending", count_text(f.pending_items)},
      {"alerts", count_text(r.alerts)},         {"last_seq", count_text(r.log.last_seq)},
      {"memory", bytes_text(f.resident_bytes)}, {"streams", std::to_string(f.live_streams)}};
  if (r.last_alert) {
    const Alert& a = *r.last_alert;
    context.emplace("last", mstch::map{{"utc", format_utc(a.fetched)},
                                       {"ago", relative_time(a.fetched, now)},
                                       {"seq", std::to_string(a.seq)},
                                       {"topic", a.topic()},
                                       {"title", strip_bidi_controls(a.title)}});
  } else {
    context.emplace("last", false);
  }
  return render(web_assets::kHealthPage, context);
}

std::string rules_api_json(const RuleRows& selected, const RuleSelection& selection) {
  using Json = nlohmann::ordered_json;
  const std::vector<RuleRow>& rows = selected.rows;
  Json lists = Json::array();
  for (const RuleRow& row : rows) {
    if (lists.empty() || lists.back()["name"] != row.watchlist) {
      lists.push_back({{"name", row.watchlist}, {"file", row.file}, {"rules", Json::array()}});
    }
    const Rule& r = row.rule;
    Json rule = {{"id", r.id},
                 {"query", r.query},
                 {"sources", r.sources},
                 {"languages", r.languages},
                 {"severity", r.severity},
                 {"tags", r.tags},
                 {"exact", r.exact},
                 {"fold_accents", r.fold_accents},
                 {"once_per_story", r.once_per_story},
                 {"min_sources", r.min_sources},
                 {"within_seconds", r.within.count()},
                 {"lookback_seconds", r.lookback ? Json(r.lookback->count()) : Json(nullptr)},
                 {"warnings", row.warnings},
                 {"alerts_24h", row.alerts_day},
                 {"alerts_7d", row.alerts_week}};
    lists.back()["rules"].push_back(std::move(rule));
  }
  const auto next = next_from(selected, selection);
  return Json{{"watchlists", std::move(lists)},
              {"matched", selected.matched},
              {"from", selection.from},
              {"next", next ? Json(*next) : Json(nullptr)}}
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string stories_api_json(std::span<const StorySummary> stories) {
  std::string out = "{\"stories\":[";
  for (std::size_t i = 0; i < stories.size(); ++i) {
    out += (i ? "," : "") + story_summary_json(stories[i]);
  }
  return out + "]}";
}

std::string story_label(const Alert& a) {
  if (a.story_sources <= 1) return "story";
  return "+" + std::to_string(a.story_sources - 1) +
         (a.story_sources == 2 ? " outlet" : " outlets");
}

bool alert_matches(const Alert& a, const AlertFilter& f) {
  if (a.seq >= f.before) return false;
  if (!f.watchlist.empty() && a.watchlist != f.watchlist) return false;
  if (!f.rule.empty() && a.rule != f.rule) return false;
  if (!f.severity.empty() && a.severity != f.severity) return false;
  if (!f.source.empty() && a.source != f.source) return false;
  if (!f.tag.empty() && std::find(a.tags.begin(), a.tags.end(), f.tag) == a.tags.end()) {
    return false;
  }
  if (!f.text.empty()) {
    bool found = contains_nocase(a.title, f.text) || contains_nocase(a.snippet, f.text);
    for (const std::string& m : a.matched) found = found || contains_nocase(m, f.text);
    if (!found) return false;
  }
  return true;
}

std::vector<SnippetPart> highlight(std::string_view snippet, std::span<const std::string> words) {
  std::vector<SnippetPart> parts;
  std::string plain;
  std::size_t i = 0;
  while (i < snippet.size()) {
    std::size_t best = 0;
    for (const std::string& w : words) {
      if (w.size() > best && equal_at(snippet, i, w)) best = w.size();
    }
    if (best == 0) {
      plain += snippet[i++];
      continue;
    }
    if (!plain.empty()) parts.push_back({std::move(plain), false});
    plain.clear();
    parts.push_back({std::string(snippet.substr(i, best)), true});
    i += best;
  }
  if (!plain.empty()) parts.push_back({std::move(plain), false});
  return parts;
}

std::string strip_bidi_controls(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    // U+202A..U+202E are E2 80 AA..AE; U+2066..U+2069 are E2 81 A6..A9.
    if (static_cast<unsigned char>(s[i]) == 0xE2 && i + 2 < s.size()) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      const auto b2 = static_cast<unsigned char>(s[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) {
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool web_link(std::string_view url) {
  return equal_at(url, 0, "http://") || equal_at(url, 0, "https://");
}

std::string relative_time(std::chrono::sys_seconds t, std::chrono::sys_seconds now) {
  const auto s = (now - t).count();
  if (s < 60) return "just now";
  if (s < 3600) return std::to_string(s / 60) + " min ago";
  if (s < 86400) return std::to_string(s / 3600) + " h ago";
  const auto days = s / 86400;
  return std::to_string(days) + (days == 1 ? " day ago" : " days ago");
}

std::string render_alerts_page(std::span<const Alert> alerts, const AlertFilter& f,
                               std::chrono::sys_seconds now, std::optional<std::uint64_t> older) {
  const bool filtered = !(f.watchlist.empty() && f.rule.empty() && f.severity.empty() &&
                          f.source.empty() && f.tag.empty() && f.text.empty());
  const bool live = !filtered && f.before == UINT64_MAX;
  mstch::map context{
      {"page_title", std::string("Alerts")},
      {"nav_alerts", true},
      {"live", std::string(live ? "1" : "0")},
      {"last_seq", std::to_string(alerts.empty() ? 0 : alerts.front().seq)},
      {"f_watchlist", f.watchlist},
      {"f_rule", f.rule},
      {"f_severity", f.severity},
      {"f_source", f.source},
      {"f_tag", f.tag},
      {"f_text", f.text},
      {"empty", alerts.empty()},
      {"filtered", filtered},
      {"alerts", alert_views(alerts, now)},
      {"more", older.has_value()},
      {"older_q", older ? filter_query(f, *older) : std::string()},
  };
  return render(web_assets::kAlertsPage, context);
}

std::string render_story_page(std::string_view story, std::span<const Alert> alerts,
                              std::chrono::sys_seconds now) {
  mstch::map context{
      {"page_title", "Story " + std::string(story)},
      {"nav_alerts", true},
      {"story", std::string(story)},
      {"count", std::to_string(alerts.size())},
      {"one", alerts.size() == 1},
      {"alerts", alert_views(alerts, now)},
  };
  return render(web_assets::kStoryPage, context);
}

std::string render_message(std::string_view heading, std::string_view text) {
  return render(web_assets::kMessage, mstch::map{{"page_title", std::string(heading)},
                                                 {"heading", std::string(heading)},
                                                 {"text", strip_bidi_controls(text)}});
}

std::string alerts_api_json(std::span<const RecordedAlert> alerts) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const RecordedAlert& r : alerts) {
    auto j = nlohmann::ordered_json::parse(r.json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) list.push_back(std::move(j));
  }
  return nlohmann::ordered_json{{"alerts", std::move(list)}}.dump(
      -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string_view web_pages_css() { return web_assets::kCss; }

WebPages::Response WebPages::alerts_page(const AlertFilter& filter) {
  // Filters other than the topic page back through the newest alerts, a
  // bounded number of them, until the page is full.
  const std::string prefix = filter.watchlist.empty() ? "" : filter.watchlist + "/" + filter.rule;
  std::vector<Alert> alerts;
  std::optional<std::uint64_t> older;  // where the next page starts, if anywhere
  {
    std::lock_guard lock(mutex_);
    std::uint64_t before = filter.before;
    for (std::size_t scanned = 0;;) {
      auto page = store_->latest_alerts(before, prefix, kPageSize);
      if (!page) {
        return {.status = 500, .body = render_message("Store error", page.error().message)};
      }
      for (const RecordedAlert& r : *page) {
        auto a = alert_from_json(r.json);
        if (a && alert_matches(*a, filter)) {
          if (alerts.size() == kPageSize) {
            older = before;  // this alert is the next page's first
            break;
          }
          alerts.push_back(std::move(*a));
        }
        before = r.seq;
      }
      scanned += page->size();
      if (older || page->size() < kPageSize) break;
      if (scanned >= kMaxScanned) {
        older = before;  // read enough for one request: the rest is on the next page
        break;
      }
    }
  }
  return {.body = render_alerts_page(alerts, filter, now_seconds(clock_), older)};
}

WebPages::Response WebPages::story_page(std::string_view story) {
  std::vector<Alert> alerts;
  {
    std::lock_guard lock(mutex_);
    auto r = store_->story_alerts(story, kApiLimit);
    if (!r) return {.status = 500, .body = render_message("Store error", r.error().message)};
    for (const RecordedAlert& rec : *r) {
      if (auto a = alert_from_json(rec.json)) alerts.push_back(std::move(*a));
    }
  }
  if (alerts.empty())
    return {.status = 404, .body = render_message("Not found", "No story " + std::string(story))};
  return {.body = render_story_page(story, alerts, now_seconds(clock_))};
}

WebPages::Response WebPages::api_alerts(std::string_view since, std::string_view topic,
                                        std::string_view limit_text) {
  auto bad = [](std::string what) {
    return Response{.status = 400,
                    .body = nlohmann::json{{"error", std::move(what)}}.dump(),
                    .content_type = "application/json"};
  };
  std::size_t limit = kPageSize;
  if (!limit_text.empty()) {
    auto n = parse_number(limit_text);
    if (!n || *n == 0) return bad("limit: a number from 1 to " + std::to_string(kApiLimit));
    limit = std::min<std::uint64_t>(*n, kApiLimit);
  }
  std::optional<std::uint64_t> after;
  if (!since.empty()) {
    after = parse_seq(since);
    if (!after) return bad("since: an alert seq");
  }
  std::vector<RecordedAlert> alerts;
  {
    std::lock_guard lock(mutex_);
    auto r = after ? store_->alerts_since(*after, topic, limit)
                   : store_->latest_alerts(UINT64_MAX, topic, limit);
    if (!r) {
      return {.status = 500,
              .body = nlohmann::json{{"error", r.error().message}}.dump(),
              .content_type = "application/json"};
    }
    alerts = std::move(*r);
  }
  if (!after) std::reverse(alerts.begin(), alerts.end());  // seq order, as with since
  return {.body = alerts_api_json(alerts), .content_type = "application/json"};
}

void WebPages::set_running(std::shared_ptr<const Running> running) {
  std::lock_guard lock(running_mutex_);
  running_ = std::move(running);
}

std::shared_ptr<const WebPages::Running> WebPages::running() {
  std::lock_guard lock(running_mutex_);
  return running_ ? running_ : std::make_shared<const Running>();
}

WebPages::Response WebPages::sources_page(bool json) {
  Config config;
  config.sources = running()->sources;
  Result<StatusReport> report = [&] {
    std::lock_guard lock(mutex_);
    return read_status(config, *store_);
  }();
  if (!report) {
    return json ? json_error(500, report.error().message)
                : Response{.status = 500,
                           .body = render_message("Store error", report.error().message)};
  }
  if (json) return json_response(status_json(*report));
  return {.body = render_sources_page(*report, now_seconds(clock_))};
}

WebPages::Response WebPages::rules_page(const RuleSelection& selection, bool json,
                                        const TryView& tried) {
  const auto run = running();
  const auto now = now_seconds(clock_);
  Result<std::map<std::string, std::uint64_t, std::less<>>> day, week;
  {
    std::lock_guard lock(mutex_);
    day = store_->topic_counts(now - std::chrono::hours(24));
    week = store_->topic_counts(now - std::chrono::hours(24 * 7));
  }
  if (!day || !week) {
    const std::string why = !day ? day.error().message : week.error().message;
    return json ? json_error(500, why)
                : Response{.status = 500, .body = render_message("Store error", why)};
  }
  const std::vector<Watchlist> none;
  const auto rows = rule_rows(run->watchlists ? *run->watchlists : none, selection, *day, *week);
  if (json) return json_response(rules_api_json(rows, selection));
  return {.body = render_rules_page(rows, selection, tried, now)};
}

WebPages::Response WebPages::health_page() {
  Config config;
  config.sources = running()->sources;
  HealthFigures figures{.resident_bytes = resident_bytes(),
                        .live_streams = stream_count_ ? stream_count_() : 0};
  Result<StatusReport> report = [&]() -> Result<StatusReport> {
    std::lock_guard lock(mutex_);
    auto r = read_status(config, *store_);
    if (!r) return r;
    for (const SourceConfig& s : config.sources) {
      auto pending = store_->pending_items(s.id);
      if (!pending) return std::unexpected(pending.error());
      figures.pending_items += pending->size();
    }
    return r;
  }();
  if (!report) {
    return {.status = 500, .body = render_message("Store error", report.error().message)};
  }
  return {.body = render_health_page(*report, figures, now_seconds(clock_))};
}

WebPages::Response WebPages::api_stories(std::string_view since, std::string_view limit_text) {
  std::size_t limit = kPageSize;
  if (!limit_text.empty()) {
    auto n = parse_number(limit_text);
    if (!n || *n == 0)
      return json_error(400, "limit: a number from 1 to " + std::to_string(kApiLimit));
    limit = std::min<std::uint64_t>(*n, kApiLimit);
  }
  std::chrono::seconds window = running()->story_window;
  if (!since.empty()) {
    auto d = parse_duration(since);
    if (!d) return json_error(400, "since: " + d.error().message);
    window = *d;
  }
  Result<std::vector<StorySummary>> top = [&] {
    std::lock_guard lock(mutex_);
    return store_->top_stories(now_seconds(clock_) - window, limit);
  }();
  if (!top) return json_error(500, top.error().message);
  return json_response(stories_api_json(*top));
}

namespace {

// ?watchlist=NAME&from=N&limit=N of /rules and /api/rules.
std::expected<RuleSelection, std::string> rule_selection(const httplib::Request& req) {
  RuleSelection s{.watchlist = req.get_param_value("watchlist")};
  if (req.has_param("from")) {
    auto n = parse_number(req.get_param_value("from"));
    if (!n) return std::unexpected("from: a number of rules to skip");
    s.from = static_cast<std::size_t>(*n);
  }
  if (req.has_param("limit")) {
    auto n = parse_number(req.get_param_value("limit"));
    if (!n || *n == 0 || *n > WebPages::kApiLimit)
      return std::unexpected("limit: a number from 1 to " + std::to_string(WebPages::kApiLimit));
    s.limit = static_cast<std::size_t>(*n);
  }
  return s;
}

}  // namespace

void WebPages::install(httplib::Server& server) {
  server.set_default_headers({{"Content-Security-Policy", kCsp},
                              {"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"}});
  server.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    AlertFilter f{.watchlist = req.get_param_value("watchlist"),
                  .rule = req.get_param_value("rule"),
                  .severity = req.get_param_value("severity"),
                  .source = req.get_param_value("source"),
                  .tag = req.get_param_value("tag"),
                  .text = req.get_param_value("text")};
    if (req.has_param("before")) {
      auto before = parse_seq(req.get_param_value("before"));
      if (!before) {
        answer(res, {.status = 400, .body = render_message("Bad request", "before: an alert seq")});
        return;
      }
      f.before = *before;
    }
    answer(res, alerts_page(f));
  });
  server.Get(R"(/story/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, story_page(req.matches[1].str()));
  });
  server.Get("/sources", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, sources_page(false));
  });
  server.Get("/api/sources", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, sources_page(true));
  });
  for (const bool json : {false, true}) {
    server.Get(json ? "/api/rules" : "/rules",
               [this, json](const httplib::Request& req, httplib::Response& res) {
                 auto s = rule_selection(req);
                 if (!s) {
                   answer(res, json ? json_error(400, s.error())
                                    : Response{.status = 400,
                                               .body = render_message("Bad request", s.error())});
                   return;
                 }
                 answer(res, rules_page(*s, json));
               });
  }
  server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    answer(res, health_page());
  });
  server.Get("/api/stories", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, api_stories(req.get_param_value("since"), req.get_param_value("limit")));
  });
  server.Get("/api/alerts", [this](const httplib::Request& req, httplib::Response& res) {
    answer(res, api_alerts(req.get_param_value("since"), req.get_param_value("topic"),
                           req.get_param_value("limit")));
  });
  server.Get("/static/newswatch.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(std::string(web_pages_css()), "text/css; charset=utf-8");
  });
  server.Get("/app.js", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(std::string(web_assets::kAppJs), "text/javascript; charset=utf-8");
  });
  for (const char* path : {"/favicon.svg", "/favicon.ico"})
    server.Get(path, [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "max-age=86400");
      res.set_content(std::string(web_assets::kFavicon), "image/svg+xml");
    });
}

}  // namespace nw
