#include "daemon/robots_cache.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace nw {

RobotsCache::RobotsCache(Fetcher& fetcher, const Clock& clock, RobotsOptions options)
    : fetcher_(fetcher),
      clock_(clock),
      options_(std::move(options)),
      token_(robots_product_token(options_.user_agent)) {}

RobotsCache::Answer RobotsCache::check(std::string_view url, const HttpSettings& http) {
  const std::string robots_url = robots_url_for(url);
  if (robots_url.empty()) return {};
  Site& site = sites_[robots_url];
  const TimePoint now = clock_.now();
  if (!site.fetching && now >= site.fetch_after) fetch(robots_url, site, http);
  const bool known = site.robots || site.allow_all ||
                     (site.failing_since && now - *site.failing_since >= options_.give_up);
  if (known) return answer(site, url);
  return {.verdict = site.fetching ? Verdict::kPending : Verdict::kUnavailable};
}

void RobotsCache::wait(std::string_view url, std::function<void()> when_known) {
  auto it = sites_.find(robots_url_for(url));
  if (it != sites_.end() && it->second.fetching)
    it->second.waiting.push_back(std::move(when_known));
}

RobotsCache::Answer RobotsCache::answer(const Site& site, std::string_view url) const {
  if (!site.robots || site.allow_all) return {};
  Answer a;
  a.verdict =
      robots_allows_url(*site.robots, token_, url) ? Verdict::kAllowed : Verdict::kDisallowed;
  if (auto delay = robots_rules_for(*site.robots, token_).crawl_delay) {
    a.crawl_delay = std::min(*delay, options_.max_crawl_delay);
  }
  return a;
}

void RobotsCache::fetch(const std::string& robots_url, Site& site, const HttpSettings& http) {
  site.fetching = true;
  fetcher_.submit({.url = robots_url, .http = http}, [this, robots_url](Result<FetchResponse> r) {
    on_fetched(robots_url, std::move(r));
  });
}

void RobotsCache::on_fetched(const std::string& robots_url, Result<FetchResponse> response) {
  auto it = sites_.find(robots_url);
  if (it == sites_.end()) return;
  Site& site = it->second;
  site.fetching = false;
  const TimePoint now = clock_.now();
  const long status = response ? response->status : 0;
  if (status >= 200 && status < 300) {
    site.robots = parse_robots(response->body);
    site.allow_all = false;
    site.failing_since.reset();
    site.fetch_after = now + options_.refresh;
    spdlog::debug("{}: {} groups, {} sitemaps", robots_url, site.robots->groups.size(),
                  site.robots->sitemaps.size());
  } else if (status >= 400 && status < 500 && status != 429) {
    // RFC 9309 §2.3.1.3: "unavailable", no restrictions.
    site.robots.reset();
    site.allow_all = true;
    site.failing_since.reset();
    site.fetch_after = now + options_.refresh;
    spdlog::debug("{}: HTTP {}: no robots.txt, every article allowed", robots_url, status);
  } else {
    // §2.3.1.4: "unreachable": complete disallow, unless a copy is cached.
    if (!site.failing_since) site.failing_since = now;
    std::chrono::seconds retry = options_.retry;
    if (response && response->retry_after) retry = std::max(retry, *response->retry_after);
    site.fetch_after = now + retry;
    const std::string why =
        response ? "HTTP " + std::to_string(status) : std::string(response.error().message);
    spdlog::warn("{}: {}; {} (asking again in {}s)", robots_url, why,
                 site.robots || site.allow_all
                     ? "keeping the copy fetched before"
                     : "no article of that site is fetched until it answers",
                 retry.count());
  }
  // Callbacks may call check() again, which may add to a new waiting list.
  std::vector<std::function<void()>> waiting = std::move(site.waiting);
  site.waiting.clear();
  for (auto& f : waiting) {
    if (f) f();
  }
}

}  // namespace nw
