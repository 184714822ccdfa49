#include "feeds/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "feeds/text.h"
#include "feeds/url.h"

namespace nw {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kOther };

Key key_of(std::string_view name) {
  const std::string k = lower_ascii(name);
  // The common misspellings Google's parser accepts too.
  if (k == "user-agent" || k == "useragent" || k == "user agent") return Key::kUserAgent;
  if (k == "allow") return Key::kAllow;
  if (k == "disallow" || k == "dissallow" || k == "disalow") return Key::kDisallow;
  if (k == "crawl-delay" || k == "crawldelay") return Key::kCrawlDelay;
  if (k == "sitemap" || k == "site-map") return Key::kSitemap;
  return Key::kOther;
}

std::optional<std::chrono::milliseconds> parse_delay(std::string_view v) {
  double seconds = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc() || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
  // A day is more than any site means; the caller caps it further.
  seconds = std::min(seconds, 86400.0);
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

}  // namespace

std::string robots_normalize(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && hex_value(path[i + 1]) >= 0 &&
        hex_value(path[i + 2]) >= 0) {
      const auto decoded =
          static_cast<unsigned char>(hex_value(path[i + 1]) * 16 + hex_value(path[i + 2]));
      if (unreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        out += '%';
        out += kHex[decoded >> 4];
        out += kHex[decoded & 15];
      }
      i += 2;
    } else if (c >= 0x80 || c <= 0x20 || c == 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool robots_match(std::string_view pattern, std::string_view path) {
  // The positions in `path` the pattern so far can have reached, ascending
  // (Google's robotstxt matcher): O(pattern x path) at worst, no recursion.
  std::vector<std::size_t> pos{0};
  pos.reserve(path.size() + 1);
  for (std::size_t p = 0; p < pattern.size(); ++p) {
    const char c = pattern[p];
    if (c == '$' && p + 1 == pattern.size()) return pos.back() == path.size();
    if (c == '*') {
      if (p > 0 && pattern[p - 1] == '*') continue;  // ** is *
      const std::size_t from = pos.front();
      pos.clear();
      for (std::size_t i = from; i <= path.size(); ++i) pos.push_back(i);
      continue;
    }
    std::size_t kept = 0;
    for (std::size_t i : pos) {
      if (i < path.size() && path[i] == c) pos[kept++] = i + 1;
    }
    pos.resize(kept);
    if (pos.empty()) return false;
  }
  return true;
}

Robots parse_robots(std::string_view text) {
  if (text.size() > kRobotsParseLimit) text = text.substr(0, kRobotsParseLimit);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Robots out;
  bool in_agents = false;  // the last line read was a user-agent line
  RobotsGroup* group = nullptr;
  while (!text.empty()) {
    std::size_t eol = text.find_first_of("\r\n");
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const Key key = key_of(trim_blanks(line.substr(0, colon)));
    const std::string_view value = trim_blanks(line.substr(colon + 1));
    switch (key) {
      case Key::kUserAgent: {
        if (!in_agents || group == nullptr) group = &out.groups.emplace_back();
        in_agents = true;
        std::string agent;
        if (value.starts_with('*')) {
          agent = "*";
        } else {
          std::size_t n = 0;
          while (n < value.size() && token_char(value[n])) ++n;
          agent = lower_ascii(value.substr(0, n));
        }
        if (!agent.empty()) group->agents.push_back(std::move(agent));
        break;
      }
      case Key::kAllow:
      case Key::kDisallow:
        in_agents = false;
        // Rules before any user-agent line belong to no group (RFC 9309 §2.1).
        if (group != nullptr && !value.empty()) {
          group->rules.push_back({.allow = key == Key::kAllow, .pattern = robots_normalize(value)});
        }
        break;
      case Key::kCrawlDelay:
        in_agents = false;
        if (group != nullptr) {
          if (auto d = parse_delay(value)) group->crawl_delay = d;
        }
        break;
      case Key::kSitemap:
        if (!value.empty()) out.sitemaps.emplace_back(value);
        break;
      case Key::kOther:
        break;
    }
  }
  return out;
}

std::string robots_product_token(std::string_view user_agent) {
  user_agent = trim_blanks(user_agent);
  std::size_t n = 0;
  while (n < user_agent.size() && token_char(user_agent[n])) ++n;
  return lower_ascii(user_agent.substr(0, n));
}

RobotsVerdictRules robots_rules_for(const Robots& robots, std::string_view token) {
  const std::string want = lower_ascii(token);
  RobotsVerdictRules named;
  RobotsVerdictRules star;
  bool any_named = false;
  for (const RobotsGroup& g : robots.groups) {
    const bool is_named =
        !want.empty() && std::find(g.agents.begin(), g.agents.end(), want) != g.agents.end();
    const bool is_star = std::find(g.agents.begin(), g.agents.end(), "*") != g.agents.end();
    auto add = [&g](RobotsVerdictRules& to) {
      for (const RobotsRule& r : g.rules) to.rules.push_back(&r);
      if (g.crawl_delay) to.crawl_delay = g.crawl_delay;
    };
    if (is_named) {
      any_named = true;
      add(named);
    } else if (is_star) {
      add(star);
    }
  }
  return any_named ? named : star;
}

bool robots_allowed(const Robots& robots, std::string_view token, std::string_view path_and_query) {
  std::string path = robots_normalize(path_and_query);
  if (path.empty() || path.front() != '/') path.insert(0, "/");
  if (path == "/robots.txt") return true;
  const RobotsVerdictRules rules = robots_rules_for(robots, token);
  std::size_t best = 0;
  bool found = false;
  bool allow = true;
  for (const RobotsRule* r : rules.rules) {
    if (!robots_match(r->pattern, path)) continue;
    const std::size_t len = r->pattern.size();
    if (!found || len > best || (len == best && r->allow && !allow)) {
      best = len;
      allow = r->allow;
      found = true;
    }
  }
  return allow;
}

namespace {

// The path and query of an http(s) URL ("/" when it has no path), or nullopt.
std::optional<std::string> path_and_query(std::string_view url) {
  const std::string full = resolve_url(url, "");
  if (full.empty()) return std::nullopt;
  std::string_view u = full;
  const auto scheme_end = u.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  u.remove_prefix(scheme_end + 3);
  const auto start = u.find_first_of("/?#");
  if (start == std::string_view::npos) return std::string("/");
  u.remove_prefix(start);
  u = u.substr(0, u.find('#'));
  std::string out(u);
  if (out.empty() || out.front() != '/') out.insert(0, "/");
  return out;
}

}  // namespace

bool robots_allows_url(const Robots& robots, std::string_view token, std::string_view url) {
  const auto p = path_and_query(url);
  return !p || robots_allowed(robots, token, *p);
}

std::string robots_url_for(std::string_view url) {
  return canonical_url(resolve_url(url, "/robots.txt"));
}

}  // namespace nw
