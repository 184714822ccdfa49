// Main-text extraction: reduces an article page to its headline, body text and
// metadata, dropping navigation, comments, consent banners, related lists and
// other boilerplate. Pure function, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nw {

struct Article {
  std::string title;  // the headline as the page shows it, without the site's name
  std::string text;   // the body without the title; paragraphs separated by '\n'
  std::optional<std::chrono::sys_seconds> published;  // UTC
  std::string author;
  std::string language;  // BCP 47 tag from the page ("ar", "en"), may be empty
  std::string url;       // canonical URL when the page declares one, else the base URL
  std::string image;
  std::string reason;  // when text is empty: why (e.g. "no article content found")
  // Where the text came from when not from the page's visible body: "json-ld"
  // when the DOM gave nothing, a fraction or something else than the page's
  // JSON-LD articleBody, which then stands in. "" for the page's body.
  std::string fallback;
};

struct ExtractOptions {
  std::string base_url;  // where the page came from; resolves relative URLs
};

// `html` must be UTF-8 (see feeds/charset.h). Any bytes in, sane result out.
Article extract_article(std::string_view html, const ExtractOptions& options);

}  // namespace nw
