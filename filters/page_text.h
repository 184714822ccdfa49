// The text the matcher reads for an article: its page as fetched, decoded from
// its charset (feeds/charset.h) and reduced to the main text (filters/extract.h),
// with the feed entry's own title and text standing in where the page gives
// none. The daemon (daemon/article_pipeline.cc) and `newswatch match` both call
// page_text(), so the command shows what the daemon matches.
// Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "filters/extract.h"
#include "filters/language.h"

namespace nw {

struct FetchedPage {
  std::string_view bytes;         // as served, in any charset
  std::string_view content_type;  // the Content-Type header; "" for a file
  std::string_view url;           // where it came from (resolves relative links); may be ""
};

// An entry's own words in its feed.
struct FeedText {
  std::string_view title;
  std::string_view html;      // its content, else its summary: HTML or plain text
  std::string_view language;  // as the feed declares it (news:language), or ""
};

// What the matcher reads (filters/matcher.h's Document).
struct PageText {
  std::string title;  // the page's headline, else the feed's title
  std::string text;   // the page's main text, else the feed's
  // Identified from the text, else as the page declares it (filters/language.h):
  // "ar", "en"; "" when unknown.
  std::string language;
  LanguageFrom language_from = LanguageFrom::kNone;
  std::optional<std::chrono::sys_seconds> published;  // the page's date
  std::string reason;  // why the page gave no text ("" when it gave some)
};

// The whole extraction of a page (for `newswatch extract`): the article (whose
// `language` is the one the page declares: identify_language() over its title
// and text gives the article's), and the charset the bytes were decoded from
// ("" when they were not read). A page that cannot be an article (an image,
// audio, video, font, PDF or archive linked as the item) is not read: its
// article is empty with the reason.
struct ExtractedPage {
  Article article;
  std::string encoding;
};
ExtractedPage extract_page(const FetchedPage& page);

// The page's text; where it has none, the feed's (and `reason` says why).
PageText page_text(const FetchedPage& page, const FeedText& feed = {});

// The feed's words alone, for an article whose page could not be fetched: the
// summary's main text as extraction finds it, or, for a summary too short for
// extraction, all its words on one line. Its language is the text's, else the
// one the feed declares.
PageText feed_text(const FeedText& feed);

}  // namespace nw
