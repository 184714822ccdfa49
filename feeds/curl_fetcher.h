// The real Fetcher: libcurl's multi interface, one easy handle per request, all
// transfers driven by run() on one thread (see feeds/fetcher.h for the contract).
// Destroying the fetcher abandons pending requests without running their callbacks.
#pragma once

#include <memory>

#include "feeds/fetcher.h"

namespace nw {

// Politeness: at most options.max_connections_per_host transfers per host name
// at once, their starts at least options.host_spacing apart, and at most
// options.max_transfers in all; waiting requests start in submit order per host,
// and deferrable ones only within the fetcher's limit (Fetcher::limit_deferrable).
// A request's own longer host_spacing (Crawl-delay) spaces its host's next
// start by that much, also when the request has finished long before.
// Follows up to options.max_redirects redirects, http and https only (also after
// a redirect); asks for every Content-Encoding curl can undo and caps the
// decoded body at options.max_body_bytes. Errors name the URL:
//   kUnsupported  scheme other than http/https, before or after a redirect
//   kInvalid      unparsable URL, or a validator (ETag...) containing CR/LF
//   kTooLarge     "body larger than N bytes: URL"
//   kNetwork      DNS, connect, TLS, timeouts, too many redirects, bad encoding
[[nodiscard]] std::unique_ptr<Fetcher> make_curl_fetcher(FetchOptions options);

}  // namespace nw
