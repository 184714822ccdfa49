// The rules page's "try it" box (issue 22): a query run as a backtest over the
// kept articles (daemon/backtest.h), its hits shown as they would have alerted.
//   POST /rules/try           form: query, since, exact, fold_accents; answers
//                             the rules page with the hits (works without JavaScript)
//   POST /api/backtest        the same from a form or a JSON body; answers JSON
//   POST /rules/try/cancel, /api/backtest/cancel   stops the running backtest
// and 405 for a GET of any of them. Bounded: one backtest at a time (another
// is answered 429), a time limit and a most of hits (the hits so far, and why
// it stopped), stopped by a cancel or by the client going away (a newline is
// sent every `beat` while it runs, before the answer: HTML and JSON both allow
// leading white space, and the write that fails tells that nobody listens).
// It runs on the HTTP server's thread that took the request, through its own
// read-only Store connection: the daemon's loop never waits for it.
//
// Same origin (same_origin_refusal): a browser's cross-site POST is refused
// 403; a request with neither Origin nor Sec-Fetch-Site (curl, scripts: every
// current browser sends Origin with a POST) is served.
// Thread-safe; the objects it is given must outlive the server.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/metrics.h"
#include "daemon/store.h"
#include "daemon/web_pages.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace nw {

// What a request says of where it came from.
struct RequestOrigin {
  std::string host;            // Host
  std::string forwarded_host;  // X-Forwarded-Host (a reverse proxy's), may be empty
  std::string origin;          // Origin, may be empty
  std::string fetch_site;      // Sec-Fetch-Site, may be empty
};
// Why a POST that changes something is refused, "" when it is not:
// - Sec-Fetch-Site, when sent, must be same-origin (or none: the user's own
//   navigation); same-site is another origin too (another port). Only a
//   browser sets it, so it decides alone: a form's POST from our pages says
//   Origin: null (they send Referrer-Policy: no-referrer);
// - else Origin, when sent, must be http(s)://HOST with the Host it was sent
//   to (or the X-Forwarded-Host a proxy added), compared without case;
// - the Host must be a loopback name (localhost, 127.0.0.0/8, [::1]) unless
//   `any_host`: a page of a name an attacker made resolve to 127.0.0.1 (DNS
//   rebinding) would otherwise pass as same-origin.
std::string same_origin_refusal(const RequestOrigin& request, bool any_host);

class TryIt {
 public:
  struct Options {
    std::chrono::milliseconds time_limit{10'000};
    std::size_t max_hits = 200;
    std::size_t batch = 64;               // articles read per Store call
    std::chrono::milliseconds beat{250};  // at most this long between writes while it runs
    bool any_host = false;                // same_origin_refusal's (set with [web] auth_file)
    Metrics* metrics = nullptr;           // newswatch_web_backtests_total{outcome}, ..._refused
    std::function<void()> on_batch;       // after each batch (tests hold a run here)
  };
  // `store`: opened with OpenMode::kReadOnly, used only by this object;
  // `pages` renders the rules page around the results; `clock` gives the
  // window's end ("now").
  TryIt(std::unique_ptr<Store> store, WebPages& pages, const Clock& clock, Options options);
  ~TryIt();
  TryIt(const TryIt&) = delete;
  TryIt& operator=(const TryIt&) = delete;

  void install(httplib::Server& server);

  // True while a backtest runs.
  bool running() const;

 private:
  enum class Stop { kRunning, kDone, kTimeLimit, kHitLimit, kCancelled, kDisconnected, kStopping };
  struct Run;
  bool begin();  // false when one runs already
  void end();
  bool cancel();  // true when one was running
  // The run's matcher and window from its form; an error message or "".
  std::string compile(Run& run);
  // Batches until the run stops or `until` passes (one batch at least).
  void advance(Run& run, std::chrono::steady_clock::time_point until);
  void finish(Run& run, Stop stop);  // once: the slot freed, the metric counted
  std::string answer_json(const Run& run) const;
  void serve(const httplib::Request& req, httplib::Response& res, bool json);

  const Options options_;
  WebPages& pages_;
  const Clock& clock_;
  std::mutex store_mutex_;
  std::unique_ptr<Store> store_;  // GUARDED_BY(store_mutex_)
  mutable std::mutex mutex_;
  bool running_ = false;                // GUARDED_BY(mutex_)
  std::atomic<bool> cancelled_{false};  // the running one is to stop
  std::atomic<bool> stopping_{false};   // the destructor: every run stops
};

}  // namespace nw
