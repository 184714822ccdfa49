// robots.txt (RFC 9309): parsing a site's file and asking whether one URL may
// be fetched by one crawler. Pure values and functions, safe from any thread.
//
// Parsing keeps the first kRobotsParseLimit bytes (the RFC's 500 KiB minimum)
// and never fails: lines it does not know are ignored, as the RFC asks. Groups
// start with one or more user-agent lines; allow, disallow and crawl-delay
// lines belong to the group above them; sitemap lines belong to no group.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nw {

inline constexpr std::size_t kRobotsParseLimit = 500 * 1024;

struct RobotsRule {
  bool allow = false;
  std::string pattern;  // normalized path pattern (see robots_normalize), may hold * and $
};

struct RobotsGroup {
  std::vector<std::string> agents;  // lower-case product tokens, "*" for the default group
  std::vector<RobotsRule> rules;
  std::optional<std::chrono::milliseconds> crawl_delay;
};

struct Robots {
  std::vector<RobotsGroup> groups;
  std::vector<std::string> sitemaps;  // Sitemap: values as written (absolute URLs)
};

[[nodiscard]] Robots parse_robots(std::string_view text);

// The product token of a User-Agent header value: its leading letters,
// underscores and hyphens ("newswatch/0.1 (+https://...)" -> "newswatch"),
// lower-cased.
std::string robots_product_token(std::string_view user_agent);

// What applies to one crawler: the rules of every group naming `token`
// (case-insensitively, RFC 9309 §2.2.1), merged; else those of the "*" groups;
// else none (everything allowed). `token` is a product token, not a header.
struct RobotsVerdictRules {
  std::vector<const RobotsRule*> rules;
  std::optional<std::chrono::milliseconds> crawl_delay;
};
RobotsVerdictRules robots_rules_for(const Robots& robots, std::string_view token);

// Whether `path_and_query` (the URL's path and query, "/a/b?c", empty for "/")
// may be fetched: the longest matching pattern wins, allow wins a tie, no match
// allows. /robots.txt itself is always allowed.
bool robots_allowed(const Robots& robots, std::string_view token, std::string_view path_and_query);

// The same for a whole http(s) URL (its path and query are matched).
bool robots_allows_url(const Robots& robots, std::string_view token, std::string_view url);

// "scheme://host[:port]/robots.txt" for an http(s) URL; "" for anything else.
std::string robots_url_for(std::string_view url);

// The form both sides are compared in (RFC 9309 §2.2.2): octets outside
// US-ASCII percent-encoded, percent-encodings in upper case, and those of
// unreserved characters (letters, digits, - . _ ~) decoded.
std::string robots_normalize(std::string_view path);

// Whether `path` matches `pattern` from its start: `*` matches any run of
// octets, a `$` ending the pattern matches the end of the path.
bool robots_match(std::string_view pattern, std::string_view path);

}  // namespace nw
