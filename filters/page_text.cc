#include "filters/page_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "feeds/charset.h"
#include "feeds/text.h"
#include "filters/html.h"

namespace nw {
namespace {

// The media type of a Content-Type header, lower-case ("text/html").
std::string media_type(std::string_view content_type) {
  return lower_ascii(trim(content_type.substr(0, content_type.find(';'))));
}

// Types that are never an article page, whatever the bytes look like.
bool not_a_page(std::string_view type) {
  static constexpr std::array<std::string_view, 7> kNotPages = {
      "image/",          "audio/",          "video/",          "font/",
      "application/pdf", "application/zip", "application/gzip"};
  for (std::string_view prefix : kNotPages) {
    if (type.starts_with(prefix)) return true;
  }
  return false;
}

bool runs_inline(html::Tag t) {
  using html::Tag;
  switch (t) {
    case Tag::kA:
    case Tag::kAbbr:
    case Tag::kB:
    case Tag::kCite:
    case Tag::kCode:
    case Tag::kEm:
    case Tag::kFont:
    case Tag::kI:
    case Tag::kMark:
    case Tag::kOther:
    case Tag::kQ:
    case Tag::kS:
    case Tag::kSmall:
    case Tag::kSpan:
    case Tag::kStrong:
    case Tag::kSub:
    case Tag::kSup:
    case Tag::kTime:
    case Tag::kU:
      return true;
    default:
      return false;
  }
}

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) { return lower_ascii(a) == lower_ascii(b); }) !=
         haystack.end();
}

// All the words of an HTML fragment on one line, blocks apart: for summaries
// too short for extraction, which wants 50 characters of body text.
std::string fragment_text(std::string_view html) {
  const auto doc = html::parse(html, {.skip_script_text = true});
  if (!doc) return {};
  std::string out;
  std::vector<std::uint32_t> open_blocks;  // end() of each block the walk is inside
  for (html::Node n = doc->root(); n;) {
    while (!open_blocks.empty() && open_blocks.back() <= n.id()) {
      open_blocks.pop_back();
      out.push_back(' ');
    }
    const html::Tag t = n.tag();
    if (t == html::Tag::kScript || t == html::Tag::kStyle || t == html::Tag::kTemplate) {
      n = n.after();
      continue;
    }
    if (n.is_text()) {
      out += n.text();
    } else if (n.is_element() && !runs_inline(t)) {
      out.push_back(' ');
      open_blocks.push_back(n.end());
    }
    n = n.following();
  }
  return collapse_whitespace(out);
}

void set_language(PageText& out, ChosenLanguage language) {
  out.language = std::move(language.code);
  out.language_from = language.from;
}

}  // namespace

ExtractedPage extract_page(const FetchedPage& page) {
  if (const std::string type = media_type(page.content_type); not_a_page(type)) {
    return {.article = {.reason = "not a web page (" + type + ")"}};
  }
  Decoded decoded = decode_to_utf8(page.bytes, page.content_type, DocType::kHtml);
  return {.article = extract_article(decoded.text, {.base_url = std::string(page.url)}),
          .encoding = std::move(decoded.encoding)};
}

PageText feed_text(const FeedText& feed) {
  PageText out{.title = std::string(feed.title)};
  if (!feed.html.empty()) {
    // Summaries are HTML fragments (or plain text, which reads the same). Long
    // ones (content:encoded) lose their share bars and "read more" lines.
    const std::string doc =
        "<html><body><article>" + std::string(feed.html) + "</article></body></html>";
    // On a page, <svg> and <math> are icons and widgets; in a feed entry they are
    // the author's own formulas and figures, whose text counts (the feed parser has
    // already dropped scripts and hidden parts): all its words then.
    const bool has_markup_text = contains_ci(feed.html, "<math") || contains_ci(feed.html, "<svg");
    if (!has_markup_text) out.text = extract_article(doc, {}).text;
    if (out.text.empty()) out.text = fragment_text(feed.html);
  }
  set_language(out, identify_language(feed.language, out.title, out.text));
  return out;
}

PageText page_text(const FetchedPage& page, const FeedText& feed) {
  Article a = extract_page(page).article;
  PageText out{.title = a.title.empty() ? std::string(feed.title) : std::move(a.title),
               .text = std::move(a.text),
               .published = a.published};
  if (out.text.empty()) {
    out.reason = a.reason.empty() ? "no article text" : std::move(a.reason);
    out.text = feed_text(feed).text;
  }
  // The words matched, the page's declaration as evidence (also when the feed's
  // words stand in: the same site wrote them); where the page declares none, the
  // feed's declaration (a news sitemap's news:language).
  set_language(
      out, identify_language(a.language.empty() ? feed.language : a.language, out.title, out.text));
  return out;
}

}  // namespace nw
