// The recorded alerts as an Atom 1.0 feed (RFC 4287), so any feed reader, or
// another newswatch, can follow a watchlist: the daemon's HTTP server serves it
// as /alerts.atom (daemon/metrics_server.h). One entry per alert: the article's
// title and link, the snippet and matched words as summary, the alert id in
// atom:id, `updated` = when the article was fetched, a category per watchlist,
// rule and tag. Everything that came from a news site is XML-escaped by the
// writer; characters XML cannot carry are dropped, and only http(s) links are
// kept. Pure functions; any thread.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "daemon/alert.h"
#include "daemon/store.h"

namespace httplib {
class Server;
}

namespace nw {

struct AlertsFeedQuery {
  std::string topic;     // topic prefix ("" = all), as for `newswatch subscribe --topic`
  std::string severity;  // only alerts of this severity ("" = any)
  std::string self;      // the feed's own URL, for <link rel="self"> ("" = none)
};

// The feed document for `alerts`, newest first (the caller selects them).
std::string alerts_atom(std::span<const Alert> alerts, const AlertsFeedQuery& query);

// A strong ETag for a feed body: the same bytes give the same tag.
std::string atom_etag(std::string_view body);

// /alerts.atom: the last `kAlertsFeedSize` alerts of a query, read from its own
// Store connection (never the loop thread's), answered 304 when the reader's
// If-None-Match names the same bytes. Thread-safe (HTTP server threads call
// get() at once; a mutex guards the store).
class AlertsFeed {
 public:
  static constexpr std::size_t kAlertsFeedSize = 100;
  explicit AlertsFeed(std::unique_ptr<Store> store) : store_(std::move(store)) {}

  struct Response {
    int status = 200;  // 200, 304, or 500 when the store failed (`body` says why)
    std::string body;
    std::string etag;
  };
  Response get(const AlertsFeedQuery& query, std::string_view if_none_match);

  // GET /alerts.atom[?topic=PREFIX][&severity=S] on `server` (a
  // daemon/metrics_server.h HttpRoutes); this feed must outlive the server.
  void install(httplib::Server& server);

 private:
  std::mutex mutex_;
  std::unique_ptr<Store> store_;  // GUARDED_BY(mutex_)
};

}  // namespace nw
