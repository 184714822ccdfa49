// The robots.txt of each site the daemon fetches articles from (RFC 9309
// §2.3-2.4): fetched through the Fetcher before the site's first article, kept
// for a day, then fetched again. A 2xx answer is parsed (feeds/robots.h); a 4xx
// one (but 429) means no file, everything allowed; a 5xx answer, a 429 or an
// unreachable site means nothing new may be fetched until the file is known
// (the last good copy is used meanwhile when there is one; after 30 days of
// failures everything is allowed, as the RFC permits). Keyed by origin
// (scheme, host and port). Owned by the ArticlePipeline. Not thread-safe: lives
// on the loop thread that also calls Fetcher::run().
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "daemon/clock.h"
#include "feeds/fetcher.h"
#include "feeds/robots.h"

namespace nw {

struct RobotsOptions {
  std::string user_agent;  // the [http] user_agent; its product token is matched
  std::chrono::seconds refresh{std::chrono::hours(24)};
  // After a failed fetch (5xx, 429, network) with no usable copy: the next try,
  // unless the answer's Retry-After says later.
  std::chrono::seconds retry{std::chrono::minutes(15)};
  std::chrono::seconds give_up{std::chrono::days(30)};  // failing this long: allow all
  std::chrono::milliseconds max_crawl_delay{60'000};    // a larger Crawl-delay is cut to this
};

class RobotsCache {
 public:
  enum class Verdict {
    kAllowed,
    kDisallowed,
    kPending,      // the file is being fetched: wait() for it
    kUnavailable,  // the site's file cannot be had now: fetch nothing, ask later
  };
  struct Answer {
    Verdict verdict = Verdict::kAllowed;
    std::chrono::milliseconds crawl_delay{0};  // the group's, capped; 0 without one
  };

  // Keeps references: `fetcher` and `clock` must outlive the cache.
  RobotsCache(Fetcher& fetcher, const Clock& clock, RobotsOptions options);

  // What the site's robots.txt says of `url` now; starts fetching the file when
  // it is not known or is older than `refresh`. A URL that is not http(s) is
  // kAllowed (the fetcher refuses it anyway). The file is fetched with `http`
  // (the asking source's headers, user agent and proxy).
  Answer check(std::string_view url, const HttpSettings& http = {});
  // REQUIRES: check(url) just answered kPending. `when_known` runs once, from
  // the Fetcher's run(), when the fetch of url's robots.txt ends (whatever its
  // outcome): check again then.
  void wait(std::string_view url, std::function<void()> when_known);

  std::size_t sites() const { return sites_.size(); }

 private:
  struct Site {
    std::optional<Robots> robots;  // the last 2xx copy
    bool allow_all = false;        // the last answer was a 4xx
    bool fetching = false;
    TimePoint fetch_after{};  // refresh (or retry) from then on
    std::optional<TimePoint> failing_since;
    std::vector<std::function<void()>> waiting;
  };
  void fetch(const std::string& robots_url, Site& site, const HttpSettings& http);
  void on_fetched(const std::string& robots_url, Result<FetchResponse> response);
  Answer answer(const Site& site, std::string_view url) const;

  Fetcher& fetcher_;
  const Clock& clock_;
  RobotsOptions options_;
  std::string token_;
  std::unordered_map<std::string, Site> sites_;  // by robots.txt URL
};

}  // namespace nw
