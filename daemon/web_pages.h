// The analyst's pages (issue 22), served by the daemon's HTTP server
// (daemon/metrics_server.h): `/` lists the recorded alerts newest first with
// query-string filters, `/story/ID` the alerts of one story, `/api/alerts` the
// same alerts as JSON, `/static/newswatch.css` the one style sheet. HTML is
// rendered by mstch from templates compiled into the binary; every value that
// came from a news site is HTML-escaped by the template, bidi control
// characters are dropped from it, and only http(s) URLs become links.
// The render functions are pure (any thread); WebPages is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/alert.h"
#include "daemon/cli/status_report.h"
#include "daemon/clock.h"
#include "daemon/store.h"

namespace httplib {
class Server;
}

namespace nw {

// The start page's filters (`/?watchlist=&rule=&severity=&source=&tag=&text=`);
// an empty field matches everything. `text` is a substring of the title, the
// snippet or a matched word (ASCII letters compared without case).
struct AlertFilter {
  std::string watchlist;
  std::string rule;
  std::string severity;
  std::string source;
  std::string tag;
  std::string text;
  std::uint64_t before = UINT64_MAX;  // only alerts with seq < before (`?before=`: older page)
};

bool alert_matches(const Alert& alert, const AlertFilter& filter);

// A piece of a snippet: the matched words are the marked pieces.
struct SnippetPart {
  std::string text;
  bool mark = false;
  bool operator==(const SnippetPart&) const = default;
};
// `snippet` cut at every occurrence of one of `words` (the longest at a place;
// ASCII letters compared without case, other text byte for byte).
std::vector<SnippetPart> highlight(std::string_view snippet, std::span<const std::string> words);

// `text` without the bidi embedding, override and isolate controls
// (U+202A..U+202E, U+2066..U+2069) a hostile title could use to reorder a page.
std::string strip_bidi_controls(std::string_view text);

// True for an http:// or https:// URL (any case): the only ones made links.
bool web_link(std::string_view url);

// "+N outlets" for a story with N + 1 distinct sources, else "story".
std::string story_label(const Alert& alert);

// "just now", "4 min ago", "3 h ago", "2 days ago" (a future time: "just now").
std::string relative_time(std::chrono::sys_seconds t, std::chrono::sys_seconds now);

// The pages' HTML. `older`: the `before` of the next, older page, when there
// may be one (a link to it is shown).
std::string render_alerts_page(std::span<const Alert> alerts, const AlertFilter& filter,
                               std::chrono::sys_seconds now,
                               std::optional<std::uint64_t> older = std::nullopt);
std::string render_story_page(std::string_view story, std::span<const Alert> alerts,
                              std::chrono::sys_seconds now);
// A page with a heading and one line (not found, a bad parameter, a store error).
std::string render_message(std::string_view heading, std::string_view text);
// {"alerts":[<alert JSON as recorded, its keys in their order>, ...]} in the
// order given; a record that is not JSON is left out.
std::string alerts_api_json(std::span<const RecordedAlert> alerts);
// A rule as the rules page shows it: its query and options, the check-rules
// warnings (config/rule_checks.h) about it, its alerts in the last 24 h / 7 days.
struct RuleRow {
  std::string watchlist;
  std::string file;
  Rule rule;
  std::vector<std::string> warnings;
  std::uint64_t alerts_day = 0;
  std::uint64_t alerts_week = 0;
};
// Which rules a rules page shows: a page of `limit` from the `from`th, of one
// watchlist or of all. With a million rules the pages go through them a page
// at a time: a request never renders, nor checks, more than a page.
struct RuleSelection {
  static constexpr std::size_t kPage = 200;
  std::string watchlist;  // "" = every watchlist
  std::size_t from = 0;
  std::size_t limit = kPage;
};
struct RuleRows {
  std::vector<RuleRow> rows;   // the page, each with its warnings
  std::size_t matched = 0;     // rules the selection's watchlist(s) hold
  std::size_t rules = 0;       // rules loaded, in
  std::size_t watchlists = 0;  // ... this many watchlists
};
// `day`, `week`: alerts by topic ("watchlist/rule"), Store::topic_counts.
RuleRows rule_rows(std::span<const Watchlist> watchlists, const RuleSelection& selection,
                   const std::map<std::string, std::uint64_t, std::less<>>& day,
                   const std::map<std::string, std::uint64_t, std::less<>>& week);
// The health page's figures beyond the status report.
struct HealthFigures {
  std::uint64_t pending_items = 0;   // recorded, not yet processed
  std::uint64_t resident_bytes = 0;  // the daemon's memory (RSS)
  std::size_t live_streams = 0;      // /events streams open
};

std::string render_sources_page(const StatusReport& report, std::chrono::sys_seconds now);
// What the rules page's "try it" box shows (daemon/web_tryit.h): the form as
// the analyst filled it and, after a run, its hits or why there are none.
struct TryView {
  std::string query;
  std::string since = "7d";
  bool exact = false;
  bool fold_accents = false;
  std::string error;                  // the query's error (file:line:col, the caret) or the store's
  std::string note;                   // one line: busy, cancelled nothing, ...
  std::vector<std::string> warnings;  // check-rules' warnings about the query
  bool ran = false;                   // the rest is set
  std::vector<Alert> hits;            // in the order found: oldest kept first
  std::size_t searched = 0;
  double ms = 0;
  std::string stopped;  // "" when it ran to the end, else why it stopped early (hits so far)
};
std::string render_rules_page(const RuleRows& rules, const RuleSelection& selection,
                              const TryView& tried = {}, std::chrono::sys_seconds now = {});
std::string render_health_page(const StatusReport& report, const HealthFigures& figures,
                               std::chrono::sys_seconds now);
// {"watchlists":[{"name","file","rules":[{"id","query","sources",...,"warnings",
// "alerts_24h","alerts_7d"}]}],"matched":N,"from":N,"next":N|null}
std::string rules_api_json(const RuleRows& rules, const RuleSelection& selection);
// {"stories":[story_summary_json, ...]}
std::string stories_api_json(std::span<const StorySummary> stories);

// The style sheet served as /static/newswatch.css.
std::string_view web_pages_css();

// The pages on a server, read from their own Store connection (open it with
// OpenMode::kReadOnly; never the loop thread's), a mutex around it; `clock`
// gives "now" for relative times. Both must outlive the server.
class WebPages {
 public:
  static constexpr std::size_t kPageSize = 100;       // alerts on a page
  static constexpr std::size_t kApiLimit = 1000;      // most alerts /api/alerts returns
  static constexpr std::size_t kMaxScanned = 20'000;  // alerts a filtered page reads at most
  WebPages(std::unique_ptr<Store> store, const Clock& clock)
      : store_(std::move(store)), clock_(clock) {}

  // What the sources and rules pages show of the running config: the daemon
  // sets it at start and after each reload (a pointer swap under a mutex the
  // pages hold only to copy the pointer, so the loop never waits on them).
  struct Running {
    std::vector<SourceConfig> sources;
    std::shared_ptr<const std::vector<Watchlist>> watchlists;
    std::chrono::seconds story_window{std::chrono::hours(72)};
  };
  void set_running(std::shared_ptr<const Running> running);
  // Where the health page reads the live streams' count (may be unset).
  void set_stream_count(std::function<std::size_t()> count) { stream_count_ = std::move(count); }

  struct Response {
    int status = 200;  // 200; 400 for a bad parameter; 404; 500 when the store failed
    std::string body;
    std::string content_type = "text/html; charset=utf-8";
  };
  Response alerts_page(const AlertFilter& filter);
  Response story_page(std::string_view story);
  // `since` ("" = the newest `limit`), `topic` a topic prefix, `limit` ("" = 100).
  Response api_alerts(std::string_view since, std::string_view topic, std::string_view limit);
  Response sources_page(bool json);
  // `tried`: the try box's form and results (the HTML page only).
  Response rules_page(const RuleSelection& selection, bool json, const TryView& tried = {});
  Response health_page();
  // `since` a duration ("" = the story_window), `limit` ("" = 100).
  Response api_stories(std::string_view since, std::string_view limit);

  // GET /, /story/ID, /sources, /rules, /health, /api/alerts, /api/sources,
  // /api/rules, /api/stories, /static/newswatch.css, /app.js on `server` (a
  // daemon/metrics_server.h HttpRoutes), and the security headers
  // (Content-Security-Policy, X-Content-Type-Options, Referrer-Policy) as the
  // server's default headers, so every response of the server carries them.
  void install(httplib::Server& server);

 private:
  std::mutex mutex_;
  std::unique_ptr<Store> store_;  // GUARDED_BY(mutex_)
  const Clock& clock_;
  std::mutex running_mutex_;
  std::shared_ptr<const Running> running_;     // GUARDED_BY(running_mutex_)
  std::function<std::size_t()> stream_count_;  // set before the server starts
  std::shared_ptr<const Running> running();
};

}  // namespace nw
