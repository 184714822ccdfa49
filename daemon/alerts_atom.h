// The recorded alerts as an Atom 1.0 feed (RFC 4287), so any feed reader, or
// another newswatch, can follow a watchlist: the daemon's HTTP server serves it
// as /alerts.atom (daemon/metrics_server.h). One entry per alert: the article's
// title and link, the snippet and matched words as summary, the alert id in
// atom:id, `updated` = when the article was fetched, a category per watchlist,
// rule and tag. Everything that came from a news site is XML-escaped by the
// writer; characters XML cannot carry are dropped, and only http(s) links are
// kept. Pure functions; any thread.
#pragma once

#include <span>
#include <string>

#include "daemon/alert.h"

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

}  // namespace nw
