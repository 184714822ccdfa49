// Parses sitemaps (sitemaps.org 0.9): a <urlset> of page URLs, with Google
// News' news: extension (publication date, title, language), or a
// <sitemapindex> of child sitemaps. Namespaces are told by URI, not prefix;
// other extensions (image:, video:, xhtml:link) are ignored. gzip bodies are
// inflated, ill-formed XML is recovered through the feeds' repair path and
// marked bozo, and the protocol's limits are enforced: 50,000 entries (the
// rest are dropped, with a warning) and 50 MB uncompressed (an error).
// Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "feeds/error.h"

namespace nw {

// The Sitemaps protocol's limits per file.
inline constexpr std::size_t kSitemapMaxEntries = 50'000;
inline constexpr std::size_t kSitemapMaxBytes = 50 * 1024 * 1024;

struct SitemapUrl {
  std::string loc;  // absolute http(s) URL
  std::optional<std::chrono::sys_seconds> lastmod;
  // From <news:news>; empty / unset without it.
  std::optional<std::chrono::sys_seconds> published;  // news:publication_date
  std::string title;                                  // news:title, whitespace collapsed
  std::string language;                               // news:publication/news:language
  std::string publication;                            // news:publication/news:name
};

struct SitemapChild {
  std::string loc;  // absolute http(s) URL of a child sitemap
  std::optional<std::chrono::sys_seconds> lastmod;
  std::string lastmod_text;  // as written (trimmed): what tells a change
};

struct Sitemap {
  bool index = false;                  // a <sitemapindex>: `children` is set, `urls` empty
  std::vector<SitemapUrl> urls;        // in document order, at most kSitemapMaxEntries
  std::vector<SitemapChild> children;  // likewise
  std::size_t dropped = 0;             // entries past kSitemapMaxEntries, not kept
  bool gzip = false;                   // the body was gzip data (inflated here)
  std::vector<std::string> warnings;   // recovered problems, for logs
  // Non-empty when the XML was ill-formed and what it held was recovered (as
  // for feeds: feeds/feed.h): the first problem, with line and column.
  std::string bozo;
};

struct SitemapParseOptions {
  std::string url;           // where it came from: relative locs resolve against it; may be empty
  std::string content_type;  // HTTP Content-Type, for its charset; may be empty
};

// Fails with Errc::kTooLarge over 50 MB (inflated), Errc::kParse when the
// bytes are neither a <urlset> nor a <sitemapindex> (nor recoverable as one).
[[nodiscard]] Result<Sitemap> parse_sitemap(std::string_view bytes,
                                            const SitemapParseOptions& options);

// A JSON document of the sitemap (tests, the conformance cases), in the shape
// of feed_to_json: {"index", "urls": [...], "sitemaps": [...], "dropped"} plus
// "bozo"/"bozo_exception" when recovered.
std::string sitemap_to_json(const Sitemap& sitemap);

}  // namespace nw
