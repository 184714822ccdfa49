// Fetching documents over HTTP(S). The Fetcher is asynchronous: submit() queues
// a request and run() drives all transfers, invoking each request's callback on
// the thread that calls run(). One slow host never blocks the others.
// Not thread-safe except wakeup(), which any thread (or a signal-handling thread)
// may call to make a blocked run() return early.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "feeds/error.h"

namespace nw {

// A source's own HTTP settings ([[source]] headers, user_agent, proxy), for
// its polls and its articles. Empty / unset: the fetcher's (FetchOptions).
struct HttpSettings {
  // Extra request headers (name, value), sent as given after the fetcher's own.
  // REQUIRES: no CR, LF or NUL in either (the config refuses them; submit fails them).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string user_agent;            // "" = FetchOptions::user_agent
  std::optional<std::string> proxy;  // unset = FetchOptions::proxy; "" = none, not even $http_proxy
  bool operator==(const HttpSettings&) const = default;
};

struct FetchRequest {
  std::string url;
  std::string etag;           // sent as If-None-Match when not empty
  std::string last_modified;  // sent as If-Modified-Since when not empty
  HttpSettings http;
  // A cap of its own on the decoded body (a sitemap may be 50 MB); unset =
  // FetchOptions::max_body_bytes.
  std::optional<std::size_t> max_body_bytes;
  // The host's next request starts at least this long after this one when that
  // is longer than FetchOptions::host_spacing (a robots.txt Crawl-delay), even
  // when this one has finished by then.
  std::chrono::milliseconds host_spacing{0};
  // Waits, not started, past the fetcher's limit (Fetcher::limit_deferrable): an article
  // whose page would only queue for the workers is better left unfetched.
  bool deferrable = false;
};

// Any HTTP answer is a response, whatever its status (304, 404, 503...); the
// caller decides. Network failures, caps and refused schemes are Errors.
struct FetchResponse {
  long status = 0;
  std::string url;           // effective URL, after redirects
  std::string content_type;  // the Content-Type header as sent, may be empty
  std::string etag;
  std::string last_modified;
  std::string body;                                 // after Content-Encoding (gzip, br) is undone
  std::optional<std::chrono::seconds> retry_after;  // from Retry-After on 429/503
  // The URL a permanent redirect (301/308) in the chain pointed to, when there
  // was one: the caller may store it as the source's new URL.
  std::optional<std::string> moved_to;
  // Cache-Control max-age of the final response: a hint not to ask again sooner.
  std::optional<std::chrono::seconds> max_age;
  // The Content-Location header as sent (may be relative to `url`): the base
  // for the document's relative links when present.
  std::string content_location;
};

struct FetchOptions {
  std::string user_agent = "newswatch/0.1 (+https://github.com/newswatch/newswatch)";
  // [http] proxy, as libcurl takes it: "http://host:port", https://, socks4://,
  // socks4a://, socks5://, socks5h:// (names resolved by the proxy), with
  // user:password@ when needed. "" = libcurl's default ($http_proxy & co).
  std::string proxy;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{30'000};
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // after decompression
  long max_redirects = 5;
  // A transfer slower than low_speed_bytes per second for low_speed_time is dropped.
  long low_speed_bytes = 64;
  std::chrono::seconds low_speed_time{15};
  std::size_t max_connections_per_host = 2;
  // Politeness: at least this long between the starts of two requests to one
  // host name (the host of the submitted URL; redirects are followed at once).
  std::chrono::milliseconds host_spacing{500};
  // Transfers running at once over all hosts; the rest wait in submit order per
  // host. Bounds sockets and memory when thousands of sources fall due together.
  std::size_t max_transfers = 64;
};

class Fetcher {
 public:
  using Done = std::function<void(Result<FetchResponse>)>;
  virtual ~Fetcher() = default;

  // Queues a request. `done` runs exactly once, from a later run() call. The
  // request may wait for its host's turn (FetchOptions politeness limits).
  virtual void submit(FetchRequest request, Done done) = 0;
  // Drives transfers for at most `max_wait`, running the callbacks of those that
  // finished. Returns early after a callback ran or wakeup() was called.
  virtual void run(std::chrono::milliseconds max_wait) = 0;
  // Requests submitted whose callback has not run yet.
  virtual std::size_t pending() const = 0;
  // Thread-safe: makes a blocked run() return soon.
  virtual void wakeup() = 0;
  // Deferrable requests start only while fewer than `running` of them are
  // started and unanswered (their callback has not run); the others wait, in
  // order, and so do the requests behind them on their host. 0 holds them
  // all; SIZE_MAX (the default) is no limit. A fetcher may ignore it.
  virtual void limit_deferrable(std::size_t running) { (void)running; }
};

// Convenience for command-line tools: submits one request and runs the fetcher
// until its callback has run.
[[nodiscard]] Result<FetchResponse> fetch_blocking(Fetcher& fetcher, FetchRequest request);

}  // namespace nw
