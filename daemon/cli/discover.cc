// `newswatch discover URL`: the feeds and sitemaps a site offers, best first,
// as [[source]] blocks to paste into the config. Candidates come from the
// page's <link rel="alternate"> of feed types, the Sitemap: lines of the site's
// robots.txt (feeds/robots.h), then the usual paths; each is fetched and
// parsed (feeds/feed_parser.h; a sitemap is told by its root element and its
// <url>s counted) and ranked: feeds with the newest items first, then sitemaps.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <vector>

#include "daemon/alert.h"
#include "daemon/cli/command.h"
#include "feeds/charset.h"
#include "feeds/curl_fetcher.h"
#include "feeds/date.h"
#include "feeds/feed_parser.h"
#include "feeds/robots.h"
#include "feeds/text.h"
#include "feeds/url.h"
#include "filters/html.h"

namespace nw::cli {
namespace {

constexpr const char* kUsualPaths[] = {
    "/feed",       "/rss", "/rss.xml", "/atom.xml", "/sitemap_news.xml", "/news-sitemap.xml",
    "/sitemap.xml"};

struct DiscoverOptions {
  std::string url;
};

struct Candidate {
  std::string url;
  std::string found;  // where it came from, for the comment
};

struct Checked {
  Candidate candidate;
  std::string final_url;
  enum class Kind { kFeed, kSitemap, kNone } kind = Kind::kNone;
  std::string title;
  std::size_t items = 0;
  std::optional<std::chrono::sys_seconds> newest;
  std::string problem;  // why it is none (HTTP 404, not a feed...)
  std::size_t order = 0;
};

bool has_token(std::string_view list, std::string_view token) {
  const std::string l = lower_ascii(list);
  std::size_t start = 0;
  while (start < l.size()) {
    std::size_t end = l.find_first_of(" \t\n\r\f", start);
    if (end == std::string::npos) end = l.size();
    if (std::string_view(l).substr(start, end - start) == token) return true;
    start = end + 1;
  }
  return false;
}

bool feed_type(std::string_view type) {
  std::string t = lower_ascii(trim(type.substr(0, type.find(';'))));
  return t == "application/rss+xml" || t == "application/atom+xml" ||
         t == "application/feed+json" || t == "application/json" || t == "application/rdf+xml";
}

// The page's <link rel="alternate" type="(feed type)" href>, resolved.
std::vector<std::string> alternate_links(const FetchResponse& page) {
  std::vector<std::string> out;
  const Decoded text = decode_to_utf8(page.body, page.content_type, DocType::kHtml);
  auto doc = html::parse(text.text);
  if (!doc) return out;
  std::string base = page.url;
  // <base href> (an element the DOM has no Tag for) moves the base.
  for (html::Node n = doc->root(); n; n = n.following()) {
    if (n.is_element() && n.name() == "base" && !n.attr("href").empty()) {
      if (std::string r = resolve_url(page.url, n.attr("href")); !r.empty()) base = r;
      break;
    }
  }
  for (const html::Node& link : doc->all(html::Tag::kLink)) {
    if (!has_token(link.attr("rel"), "alternate") || !feed_type(link.attr("type"))) continue;
    if (std::string u = resolve_url(base, link.attr("href")); !u.empty()) out.push_back(u);
  }
  return out;
}

// A <urlset> or <sitemapindex>: its entries and newest date, minimally (no
// gzip, no namespaces checked).
bool read_sitemap(const std::string& body, Checked& c) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default)) return false;
  const pugi::xml_node root = doc.document_element();
  auto local = [](const char* name) {
    std::string_view n(name);
    const auto colon = n.find(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
  };
  const std::string_view name = local(root.name());
  if (name != "urlset" && name != "sitemapindex") return false;
  const std::string_view entry = name == "urlset" ? "url" : "sitemap";
  for (pugi::xml_node e = root.first_child(); e; e = e.next_sibling()) {
    if (local(e.name()) != entry) continue;
    ++c.items;
    for (pugi::xml_node f = e.first_child(); f; f = f.next_sibling()) {
      const std::string_view field = local(f.name());
      std::optional<std::chrono::sys_seconds> when;
      if (field == "lastmod") when = parse_date(f.child_value());
      if (field == "news") {
        for (pugi::xml_node g = f.first_child(); g; g = g.next_sibling()) {
          if (local(g.name()) == "publication_date") when = parse_date(g.child_value());
        }
      }
      if (when && (!c.newest || *when > *c.newest)) c.newest = when;
    }
  }
  c.kind = Checked::Kind::kSitemap;
  c.title = name == "urlset" ? "sitemap" : "sitemap index";
  return true;
}

void classify(const Result<FetchResponse>& r, Checked& c) {
  if (!r) {
    c.problem = r.error().message;
    return;
  }
  if (r->status != 200) {
    c.problem = "HTTP " + std::to_string(r->status);
    return;
  }
  c.final_url = r->url;
  if (read_sitemap(r->body, c)) return;
  auto feed = parse_feed(
      r->body,
      {.url = r->url, .content_type = r->content_type, .content_location = r->content_location});
  if (!feed || (feed->entries.empty() && feed->title.empty())) {
    c.problem = "not a feed";
    return;
  }
  c.kind = Checked::Kind::kFeed;
  c.title = feed->title;
  c.items = feed->entries.size();
  for (const FeedEntry& e : feed->entries) {
    auto when = e.published ? e.published : e.updated;
    if (when && (!c.newest || *when > *c.newest)) c.newest = when;
  }
}

// Best first: feeds, then sitemaps; within each, the newest item first (those
// without dates last), then more items, then the order they were found in.
bool better(const Checked& a, const Checked& b) {
  if (a.kind != b.kind) return a.kind == Checked::Kind::kFeed;
  if (a.newest.has_value() != b.newest.has_value()) return a.newest.has_value();
  if (a.newest && *a.newest != *b.newest) return *a.newest > *b.newest;
  if (a.items != b.items) return a.items > b.items;
  return a.order < b.order;
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string one_line(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return std::string(trim(s));
}

// A source id from the host: "www." dropped; valid_source_id's characters only.
std::string id_for(std::string_view url) {
  std::string host = url_host(url);
  if (host.starts_with("www.")) host.erase(0, 4);
  std::string id;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    id += ok ? c : '-';
  }
  return id.empty() ? "site" : id;
}

int run_discover(const DiscoverOptions& o) {
  const std::string start = resolve_url(o.url, "");
  if (start.empty()) {
    std::cerr << "newswatch discover: " << o.url << " is not an http:// or https:// URL\n";
    return 1;
  }
  auto fetcher = make_curl_fetcher({.host_spacing = std::chrono::milliseconds(200)});
  auto page = fetch_blocking(*fetcher, {.url = start});
  if (!page) {
    std::cerr << "newswatch discover: cannot reach " << start << ": " << page.error().message
              << "\n";
    return 1;
  }
  std::vector<Candidate> candidates;
  std::set<std::string> seen;
  auto add = [&](const std::string& url, std::string found) {
    const std::string key = canonical_url(url);
    if (key.empty() || !seen.insert(key).second) return;
    candidates.push_back({url, std::move(found)});
  };
  // The URL given may be a feed itself.
  add(start, "the URL given");
  if (page->status == 200) {
    for (const std::string& u : alternate_links(*page)) add(u, "<link rel=\"alternate\">");
  } else {
    std::cerr << "newswatch discover: " << start << ": HTTP " << page->status
              << " (trying robots.txt and the usual paths)\n";
  }
  const std::string robots_url = robots_url_for(page->url.empty() ? start : page->url);
  if (auto robots = fetch_blocking(*fetcher, {.url = robots_url});
      robots && robots->status == 200) {
    for (const std::string& s : parse_robots(robots->body).sitemaps) {
      if (std::string u = resolve_url(robots_url, s); !u.empty()) add(u, "robots.txt Sitemap:");
    }
  }
  for (const char* path : kUsualPaths) add(resolve_url(robots_url, path), "a usual path");

  // Every candidate at once: the fetcher spaces them per host.
  std::vector<Checked> checked(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    checked[i].candidate = candidates[i];
    checked[i].order = i;
    if (i == 0) {
      classify(*page, checked[0]);
      continue;
    }
    fetcher->submit({.url = candidates[i].url},
                    [&checked, i](Result<FetchResponse> r) { classify(r, checked[i]); });
  }
  while (fetcher->pending() > 0) fetcher->run(std::chrono::milliseconds(1000));

  // The same document under two names (/feed redirecting to /rss.xml) once.
  std::vector<Checked> found;
  std::set<std::string> finals;
  for (Checked& c : checked) {
    if (c.kind == Checked::Kind::kNone) continue;
    if (!finals.insert(canonical_url(c.final_url)).second) continue;
    found.push_back(std::move(c));
  }
  std::stable_sort(found.begin(), found.end(), better);
  const std::size_t feeds = std::count_if(
      found.begin(), found.end(), [](const Checked& c) { return c.kind == Checked::Kind::kFeed; });
  std::cout << "# newswatch discover " << start << ": " << feeds << " feed"
            << (feeds == 1 ? "" : "s") << ", " << found.size() - feeds << " sitemap"
            << (found.size() - feeds == 1 ? "" : "s") << ", best first\n";
  const std::string base_id = id_for(start);
  int n = 0;
  for (const Checked& c : found) {
    const bool sitemap = c.kind == Checked::Kind::kSitemap;
    std::cout << "\n";
    std::cout << "# " << (c.title.empty() ? "(untitled)" : one_line(c.title)) << ": " << c.items
              << (sitemap ? " entries" : " items") << ", newest "
              << (c.newest ? format_utc(*c.newest) : std::string("undated")) << "; found via "
              << c.candidate.found << "\n";
    ++n;
    std::cout << "[[source]]\n"
              << "id = " << toml_string(n == 1 ? base_id : base_id + "-" + std::to_string(n))
              << "\n"
              << "url = " << toml_string(c.final_url) << "\n"
              << "kind = \"" << (sitemap ? "sitemap" : "feed") << "\"\n";
  }
  if (found.empty()) {
    std::cerr << "newswatch discover: " << start << " offers no feed or sitemap newswatch found\n";
    return 1;
  }
  return 0;
}

}  // namespace

Run setup_discover(CLI::App& app) {
  auto o = std::make_shared<DiscoverOptions>();
  app.add_option("url", o->url, "the site's address (any page of it)")->required();
  return [o] { return run_discover(*o); };
}

}  // namespace nw::cli
