// The rules page's "try it" box (daemon/web_tryit.h).
#include "daemon/web_tryit.h"

#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "config/config.h"
#include "config/endpoint.h"
#include "config/rule_checks.h"
#include "daemon/backtest.h"
#include "feeds/text.h"
#include "filters/matcher.h"

namespace nw {
namespace {

using std::chrono::steady_clock;

constexpr std::size_t kMaxQuery = 4096;  // bytes: far more than any rule's query

// "127.0.0.1:9464" -> "127.0.0.1", "[::1]:9464" -> "::1", "localhost" -> "localhost".
std::string_view host_name(std::string_view host) {
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    return close == std::string_view::npos ? std::string_view() : host.substr(1, close - 1);
  }
  return host.substr(0, host.rfind(':'));
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

RequestOrigin origin_of(const httplib::Request& req) {
  return {.host = req.get_header_value("Host"),
          .forwarded_host = req.get_header_value("X-Forwarded-Host"),
          .origin = req.get_header_value("Origin"),
          .fetch_site = req.get_header_value("Sec-Fetch-Site")};
}

void set_json(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

void set_page(httplib::Response& res, int status, const WebPages::Response& page) {
  res.status = page.status == 200 ? status : page.status;
  res.set_content(page.body, page.content_type.c_str());
}

}  // namespace

std::string same_origin_refusal(const RequestOrigin& r, bool any_host) {
  if (r.host.empty()) return "the request has no Host header";
  if (!any_host && !is_loopback_host(host_name(r.host))) {
    return "the request was sent to " + r.host +
           ", not to a loopback name (localhost, 127.0.0.1, [::1]) this server answers as";
  }
  const std::string site = lower_ascii(trim(r.fetch_site));
  if (!site.empty()) {
    // A browser set it (no page can), and it holds whatever the Origin says:
    // "null" on a form's POST from a page with Referrer-Policy: no-referrer.
    if (site == "same-origin" || site == "none") return "";
    return "a " + site + " request (Sec-Fetch-Site): only this server's own pages may run it";
  }
  if (!r.origin.empty()) {
    const std::string origin = lower_ascii(trim(r.origin));
    auto is_origin_of = [&](std::string_view host) {
      const std::string h = lower_ascii(trim(host.substr(0, host.find(','))));  // a proxy's first
      return !h.empty() && (origin == "http://" + h || origin == "https://" + h);
    };
    if (!is_origin_of(r.host) && !is_origin_of(r.forwarded_host)) {
      return "a request from another origin (Origin " + r.origin + ", sent to " + r.host + ")";
    }
  }
  return "";
}

namespace {

// The form (or JSON body) of a request: query, since, exact, fold_accents;
// `error` says what is wrong with the JSON.
TryView form_of(const httplib::Request& req, std::string& error) {
  TryView v;
  if (req.get_header_value("Content-Type").starts_with("application/json")) {
    auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      error = "the body is not a JSON object like {\"query\": \"earthquake\", \"since\": \"7d\"}";
      return v;
    }
    auto text = [&](const char* key, std::string& out) {
      if (!j.contains(key)) return;
      if (j[key].is_string()) {
        out = j[key].get<std::string>();
      } else {
        error = std::string(key) + ": a string";
      }
    };
    auto flag = [&](const char* key, bool& out) {
      if (!j.contains(key)) return;
      if (j[key].is_boolean()) {
        out = j[key].get<bool>();
      } else {
        error = std::string(key) + ": true or false";
      }
    };
    text("query", v.query);
    text("since", v.since);
    flag("exact", v.exact);
    flag("fold_accents", v.fold_accents);
    return v;
  }
  auto on = [&](const char* key) {
    const std::string s = lower_ascii(req.get_param_value(key));
    return s == "1" || s == "on" || s == "true" || s == "yes";
  };
  v.query = req.get_param_value("query");
  if (req.has_param("since") && !req.get_param_value("since").empty()) {
    v.since = req.get_param_value("since");
  }
  v.exact = on("exact");
  v.fold_accents = on("fold_accents");
  return v;
}

}  // namespace

// One backtest: its matcher, where it is in the window, what it found.
struct TryIt::Run {
  std::shared_ptr<const Matcher> matcher;
  std::chrono::sys_seconds since{};
  steady_clock::time_point started, deadline;
  std::int64_t cursor = 0;
  std::set<std::string, std::less<>> seen;  // article keys hit: one alert per article
  bool full = false;                        // a hit past max_hits was left out
  TryView view;
  Stop stop = Stop::kRunning;
};

TryIt::TryIt(std::unique_ptr<Store> store, WebPages& pages, const Clock& clock, Options options)
    : options_(std::move(options)), pages_(pages), clock_(clock), store_(std::move(store)) {}

TryIt::~TryIt() { stopping_ = true; }

bool TryIt::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

bool TryIt::begin() {
  std::lock_guard lock(mutex_);
  if (running_ || stopping_) return false;
  running_ = true;
  cancelled_ = false;
  return true;
}

void TryIt::end() {
  std::lock_guard lock(mutex_);
  running_ = false;
}

bool TryIt::cancel() {
  std::lock_guard lock(mutex_);
  if (running_) cancelled_ = true;
  return running_;
}

std::string TryIt::compile(Run& run) {
  const TryView& v = run.view;
  if (trim(v.query).empty()) return "query: give a query to try, as a rule's query";
  if (v.query.size() > kMaxQuery) {
    return "query: at most " + std::to_string(kMaxQuery) + " bytes";
  }
  auto window = parse_duration(v.since);
  if (!window) return "since: " + window.error().message;
  // As `newswatch backtest --rule` compiles it, so the errors read the same
  // (file:line:col, the query line and a caret), the file being "query".
  const std::vector<Watchlist> lists = {
      {.name = "try",
       .file = "query",
       .rules = {{.id = "query",
                  .query = v.query,
                  .query_pos = {.file = "query", .line = 1, .column = 1},
                  .exact = v.exact,
                  .fold_accents = v.fold_accents}}}};
  auto matcher = Matcher::compile(lists);
  if (!matcher) return matcher.error().message;
  run.matcher = std::move(*matcher);
  run.view.warnings = rule_warnings(lists);
  run.since = std::chrono::time_point_cast<std::chrono::seconds>(clock_.now()) - *window;
  return "";
}

void TryIt::advance(Run& run, steady_clock::time_point until) {
  do {
    auto batch = [&] {
      std::lock_guard lock(store_mutex_);
      return backtest_batch(*store_, *run.matcher, run.since, run.cursor, options_.batch,
                            [&](const KeptArticle& a, Hit hit) {
                              if (!run.seen.insert(a.article_key).second) return;
                              if (run.view.hits.size() >= options_.max_hits) {
                                run.full = true;
                                return;
                              }
                              Alert alert = alert_for(std::move(hit), a, a.kept);
                              alert.watchlist.clear();  // the query's: of no watchlist
                              alert.rule.clear();
                              run.view.hits.push_back(std::move(alert));
                            });
    }();
    if (!batch) {
      run.view.error = "the state database: " + batch.error().message;
      finish(run, Stop::kDone);
      return;
    }
    run.view.searched += batch->searched;
    run.cursor = batch->cursor;
    if (options_.on_batch) options_.on_batch();
    if (run.full) {
      finish(run, Stop::kHitLimit);
    } else if (batch->done) {
      finish(run, Stop::kDone);
    } else if (stopping_) {
      finish(run, Stop::kStopping);
    } else if (cancelled_) {
      finish(run, Stop::kCancelled);
    } else if (steady_clock::now() >= run.deadline) {
      finish(run, Stop::kTimeLimit);
    }
  } while (run.stop == Stop::kRunning && steady_clock::now() < until);
}

void TryIt::finish(Run& run, Stop stop) {
  if (run.stop != Stop::kRunning) return;
  run.stop = stop;
  end();
  TryView& v = run.view;
  v.ran = true;
  v.ms = std::chrono::duration<double, std::milli>(steady_clock::now() - run.started).count();
  const char* outcome = "done";
  switch (stop) {
    case Stop::kRunning:
    case Stop::kDone:
      if (!v.error.empty()) outcome = "error";
      break;
    case Stop::kTimeLimit:
      outcome = "time_limit";
      v.stopped = "Stopped after " + seconds_text(options_.time_limit) +
                  " (the time limit): these are the hits so far.";
      break;
    case Stop::kHitLimit:
      outcome = "hit_limit";
      v.stopped = "Stopped at " + std::to_string(options_.max_hits) +
                  " hits (the most shown): narrow the query or the time.";
      break;
    case Stop::kCancelled:
      outcome = "cancelled";
      v.stopped = "Cancelled: these are the hits so far.";
      break;
    case Stop::kDisconnected:
      outcome = "disconnected";
      break;
    case Stop::kStopping:
      outcome = "stopping";
      v.stopped = "The daemon is stopping: these are the hits so far.";
      break;
  }
  if (options_.metrics) {
    options_.metrics->inc("newswatch_web_backtests_total", {{"outcome", outcome}});
  }
}

std::string TryIt::answer_json(const Run& run) const {
  using Json = nlohmann::ordered_json;
  const TryView& v = run.view;
  const char* stopped = nullptr;  // ran to the end
  if (run.stop == Stop::kTimeLimit) stopped = "time_limit";
  if (run.stop == Stop::kHitLimit) stopped = "hit_limit";
  if (run.stop == Stop::kCancelled) stopped = "cancelled";
  if (run.stop == Stop::kStopping) stopped = "stopping";
  Json hits = Json::array();
  for (const Alert& a : v.hits) {
    auto hit = Json::parse(to_json(a), nullptr, /*allow_exceptions=*/false);
    if (!hit.is_discarded()) hits.push_back(std::move(hit));
  }
  Json j = {{"query", v.query},
            {"since", v.since},
            {"searched", v.searched},
            {"ms", v.ms},
            {"stopped", stopped ? Json(stopped) : Json(nullptr)},
            {"message", v.stopped},
            {"warnings", v.warnings},
            {"hits", std::move(hits)}};
  if (!v.error.empty()) j["error"] = v.error;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

void TryIt::serve(const httplib::Request& req, httplib::Response& res, bool json) {
  if (const std::string why = same_origin_refusal(origin_of(req), options_.any_host);
      !why.empty()) {
    if (options_.metrics)
      options_.metrics->inc("newswatch_web_backtests_refused_total", {{"reason", "origin"}});
    if (json) return set_json(res, 403, {{"error", "forbidden: " + why}});
    return set_page(res, 403, {.body = render_message("Forbidden", why)});
  }
  auto run = std::make_shared<Run>();
  std::string form_error;
  run->view = form_of(req, form_error);
  if (form_error.empty()) form_error = compile(*run);
  if (!form_error.empty()) {
    if (json) return set_json(res, 400, {{"error", form_error}});
    TryView shown = run->view;
    shown.error = form_error;
    return set_page(res, 400, pages_.rules_page({}, false, shown));
  }
  if (!begin()) {
    if (options_.metrics)
      options_.metrics->inc("newswatch_web_backtests_refused_total", {{"reason", "busy"}});
    const std::string why =
        "A backtest is running already (one at a time): wait for it, or cancel it.";
    res.set_header("Retry-After", "2");
    if (json) return set_json(res, 429, {{"error", why}});
    TryView shown = run->view;
    shown.warnings.clear();
    shown.note = why;
    return set_page(res, 429, pages_.rules_page({}, false, shown));
  }
  run->started = steady_clock::now();
  run->deadline = run->started + options_.time_limit;
  res.set_header("Cache-Control", "no-store");
  res.set_chunked_content_provider(
      json ? "application/json" : "text/html; charset=utf-8",
      [this, run, json](std::size_t, httplib::DataSink& sink) {
        if (run->stop == Stop::kRunning) advance(*run, steady_clock::now() + options_.beat);
        if (run->stop == Stop::kRunning) {
          if (sink.write("\n", 1)) return true;
          finish(*run, Stop::kDisconnected);  // nobody reads the answer
          return false;
        }
        const std::string body =
            json ? answer_json(*run) : pages_.rules_page({}, false, run->view).body;
        if (!sink.write(body.data(), body.size())) return false;
        sink.done();
        return true;
      },
      [this, run](bool) { finish(*run, Stop::kDisconnected); });  // if still running
}

void TryIt::install(httplib::Server& server) {
  server.Post("/rules/try", [this](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, false);
  });
  server.Post("/api/backtest", [this](const httplib::Request& req, httplib::Response& res) {
    serve(req, res, true);
  });
  for (const bool json : {false, true}) {
    server.Post(json ? "/api/backtest/cancel" : "/rules/try/cancel",
                [this, json](const httplib::Request& req, httplib::Response& res) {
                  const std::string why = same_origin_refusal(origin_of(req), options_.any_host);
                  if (!why.empty()) {
                    if (json) return set_json(res, 403, {{"error", "forbidden: " + why}});
                    return set_page(res, 403, {.body = render_message("Forbidden", why)});
                  }
                  const bool was = cancel();
                  if (json) return set_json(res, 200, {{"cancelled", was}});
                  std::string ignored;
                  TryView shown = form_of(req, ignored);
                  shown.note = was ? "Cancelled the running backtest." : "No backtest was running.";
                  set_page(res, 200, pages_.rules_page({}, false, shown));
                });
  }
  for (const char* path :
       {"/rules/try", "/rules/try/cancel", "/api/backtest", "/api/backtest/cancel"}) {
    server.Get(path, [](const httplib::Request&, httplib::Response& res) {
      res.status = 405;
      res.set_header("Allow", "POST");
      res.set_content(
          "405 method not allowed: POST the form of /rules (or curl -d "
          "query=... /api/backtest)\n",
          "text/plain; charset=utf-8");
    });
  }
}

}  // namespace nw
