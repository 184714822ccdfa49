// Page metadata for main-text extraction: titles, publication date, author,
// language, canonical URL and image, read from <head> meta tags (OpenGraph,
// article:*, Dublin Core) and JSON-LD (schema.org NewsArticle); dates in the
// body are filters/extract_date.h's.
// Internal to nw_extract. Pure functions, safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "filters/html.h"

namespace nw::extract_detail {

struct PageMeta {
  std::string og_title;     // og:title, else twitter:title
  std::string ld_headline;  // JSON-LD headline
  std::string html_title;   // <title>
  std::string site_name;    // og:site_name, application-name, JSON-LD publisher
  std::optional<std::chrono::sys_seconds> published;  // UTC
  std::string author;
  std::string language;   // BCP 47 ("ar", "en-GB")
  std::string canonical;  // absolute, "" when the page declares none
  std::string image;      // absolute
  std::string ld_body;    // JSON-LD articleBody as plain text, paragraphs separated by '\n'
};

PageMeta read_meta(const html::Document& doc, std::string_view base_url);

// "Title | Site", "Site - Title" → "Title". The site is recognised by name or
// by host ("alwasat" for www.alwasat.ly); without either, a short side (at
// most four words) facing a longer one is taken for the site.
std::string strip_site_name(std::string_view title, std::string_view site_name,
                            std::string_view host);

}  // namespace nw::extract_detail
